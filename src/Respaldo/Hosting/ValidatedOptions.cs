using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Respaldo.Hosting;

internal static class ValidatedOptions
{
    /// <summary>
    /// Binds a configuration section and validates it when the program starts, with messages that name the
    /// full key (<c>Storage:MaxBytes: ...</c>) so a person knows what to fix.
    /// </summary>
    public static OptionsBuilder<T> AddValidatedOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(
        this IServiceCollection services, string section) where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    private sealed class SectionValidator<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(string section)
        : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                return ValidateOptionsResult.Success;
            }
            return ValidateOptionsResult.Fail(results.Select(r => Describe(options, r)));
        }

        /// <summary>"Intake:MaxBodyBytes: '1' must be between 256 and 1048576.": the key, the rejected value, the rule.</summary>
        private string Describe(T options, ValidationResult result)
        {
            var member = result.MemberNames.FirstOrDefault() ?? "";
            var message = result.ErrorMessage ?? "is not valid.";
            var fieldPrefix = $"The field {member} ";
            if (message == $"The {member} field is required.")
            {
                return $"{section}:{member}: a value is required.";
            }
            var rule = message.StartsWith(fieldPrefix, StringComparison.Ordinal) ? message[fieldPrefix.Length..] : message;
            var value = typeof(T).GetProperty(member)?.GetValue(options) switch
            {
                null => "",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var v => v.ToString(),
            };
            return $"{section}:{member}: '{value}' {rule}";
        }
    }
}
