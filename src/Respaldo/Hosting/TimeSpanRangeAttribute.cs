using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Respaldo.Hosting;

/// <summary>
/// <c>[Range(typeof(TimeSpan), min, max)]</c> without its type converter lookup, which trimming cannot follow
/// (the trim analyzer flags every use); same bounds, inclusive, and the same message.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TimeSpanRangeAttribute(string minimum, string maximum)
    : ValidationAttribute("The field {0} must be between {1} and {2}.")
{
    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);

    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    public override bool IsValid(object? value) => value is not TimeSpan span || span >= Minimum && span <= Maximum;

    public override string FormatErrorMessage(string name) =>
        string.Format(CultureInfo.CurrentCulture, ErrorMessageString, name, minimum, maximum);
}
