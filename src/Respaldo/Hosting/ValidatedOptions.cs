using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;
using Respaldo.Commands;

namespace Respaldo.Hosting;

internal static class ValidatedOptions
{
    private const DynamicallyAccessedMemberTypes Members =
        DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor;

    /// <summary>
    /// Binds a configuration section and validates it when the program starts, with messages that name the
    /// full key (<c>Storage:MaxBytes: ...</c>) so a person knows what to fix.
    /// </summary>
    /// <param name="bind">
    /// <c>static (section, o) => section.Bind(o)</c> at the call site: there the type is known, so the
    /// configuration binding source generator replaces the reflection binder, which Native AOT cannot run.
    /// </param>
    public static OptionsBuilder<T> AddValidatedOptions<[DynamicallyAccessedMembers(Members)] T>(
        this IServiceCollection services, string section, Action<IConfiguration, T> bind) where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        services.AddSingleton<IOptionsChangeTokenSource<T>>(sp =>
            new ConfigurationChangeTokenSource<T>(sp.GetRequiredService<IConfiguration>().GetSection(section)));
        return services.AddOptions<T>()
            .Configure<IConfiguration>((options, configuration) => bind(configuration.GetSection(section), options))
            .ValidateOnStart();
    }

    /// <summary>
    /// Refuses a key in the section that no property of <typeparamref name="T"/> reads, such as a misspelt
    /// <c>--Storage:Directroy=/srv/spool</c>: the binder ignores it, so the service would quietly run on the default
    /// spool folder (or destination, or schedule) instead of the one the operator meant. Only for sections the options
    /// type owns whole; <paramref name="ownedElsewhere"/> names child sections bound by other options types.
    /// </summary>
    public static OptionsBuilder<T> RejectUnknownKeys<[DynamicallyAccessedMembers(Members)] T>(
        this OptionsBuilder<T> builder, string section, params string[] ownedElsewhere) where T : class
    {
        builder.Services.AddSingleton<IValidateOptions<T>>(sp => new UnknownKeyValidator<T>(sp.GetRequiredService<IConfiguration>(), section, ownedElsewhere));
        return builder;
    }

    private sealed class UnknownKeyValidator<[DynamicallyAccessedMembers(Members)] T>(IConfiguration configuration, string section, string[] ownedElsewhere)
        : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var properties = typeof(T).GetProperties().Where(p => p.CanWrite || p.PropertyType.IsArray).ToArray();
            var known = properties.Select(p => p.Name).Concat(ownedElsewhere).ToArray();
            var lists = properties.Where(p => p.PropertyType.IsArray).Select(p => p.Name).ToArray();
            var failures = new List<string>();
            foreach (var child in configuration.GetSection(section).GetChildren())
            {
                if (lists.Contains(child.Key, StringComparer.OrdinalIgnoreCase) && child.Value is not null)
                {
                    // Security__ApiKeys=k (without __0) binds nothing: a service the operator believes keyed runs open.
                    failures.Add($"{section}:{child.Key}: a list, so a single value given as {section}:{child.Key} would be ignored; "
                        + $"number the entries: {section}:{child.Key}:0 (environment: {section.Replace(":", "__")}__{child.Key}__0), {section}:{child.Key}:1, ...");
                    continue;
                }
                if (known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                {
                    continue;
                }
                var closest = known.MinBy(k => Levenshtein.Distance(k, child.Key));
                var hint = closest is not null && Levenshtein.Distance(closest, child.Key) <= 3 ? $" Did you mean {section}:{closest}?" : "";
                failures.Add($"{section}:{child.Key}: there is no such setting, so its value would be ignored.{hint} The settings are listed in the README's Configuration table.");
            }
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }

    /// <summary>
    /// The data annotations of <typeparamref name="T"/>'s properties, checked one property at a time:
    /// <see cref="Validator.TryValidateObject(object, ValidationContext, ICollection{ValidationResult}, bool)"/>
    /// discovers them through reflection the trimmer cannot see; here the properties are kept by the annotation.
    /// </summary>
    private sealed class SectionValidator<[DynamicallyAccessedMembers(Members)] T>(string section) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var failures = new List<string>();
            foreach (var property in typeof(T).GetProperties())
            {
                var attributes = property.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray();
                if (attributes.Length == 0 || property.GetIndexParameters().Length > 0)
                {
                    continue;
                }
                var context = new ValidationContext(options, property.Name, serviceProvider: null, items: null) { MemberName = property.Name };
                var value = property.GetValue(options);
                foreach (var attribute in attributes)
                {
                    if (attribute.GetValidationResult(value, context) is { } result)
                    {
                        failures.Add(attribute is RangeAttribute range ? $"{section}:{property.Name}: '{Text(value)}' {Rule(range)}" : Describe(property.Name, value, result));
                    }
                }
            }
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        /// <summary>"Intake:MaxBodyBytes: '1' must be between 256 and 1048576.": the key, the rejected value, the rule.</summary>
        private string Describe(string member, object? value, ValidationResult result)
        {
            var message = result.ErrorMessage ?? "is not valid.";
            var fieldPrefix = $"The field {member} ";
            if (message == $"The {member} field is required.")
            {
                return $"{section}:{member}: a value is required.";
            }
            var rule = message.StartsWith(fieldPrefix, StringComparison.Ordinal) ? message[fieldPrefix.Length..] : message;
            return $"{section}:{member}: '{Text(value)}' {rule}";
        }

        private static string? Text(object? value) => value switch
        {
            null => "",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString(),
        };

        /// <summary>
        /// A range in plain integers: RangeAttribute's own message prints its bounds as doubles, so a bound of
        /// long.MaxValue reads "9.223372036854776E+18"; a bound that large means "no upper limit", and is left out.
        /// </summary>
        private static string Rule(RangeAttribute range)
        {
            static string Plain(object bound) => bound is IFormattable f ? f.ToString(Convert.ToDouble(bound, CultureInfo.InvariantCulture) % 1 == 0 ? "0" : null, CultureInfo.InvariantCulture) : $"{bound}";
            return Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture) >= long.MaxValue
                ? $"must be {Plain(range.Minimum)} or more."
                : $"must be between {Plain(range.Minimum)} and {Plain(range.Maximum)}.";
        }
    }
}
