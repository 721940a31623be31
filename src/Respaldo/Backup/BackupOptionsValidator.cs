using Microsoft.Extensions.Options;

namespace Respaldo.Backup;

/// <summary>
/// What the data annotations cannot say about <c>Backup</c>: each message names the key, quotes the rejected
/// value and gives an example of a good one.
/// </summary>
internal sealed class BackupOptionsValidator : IValidateOptions<BackupOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupOptions o)
    {
        var failures = new List<string>();
        if (S3Location.IsS3(o.Destination))
        {
            var rest = o.Destination["s3://".Length..];
            var bucket = rest.Split('/')[0];
            if (BucketName.Problem(bucket) is { } problem)
            {
                failures.Add($"Backup:Destination: '{o.Destination}' is not a usable S3 destination: {problem}; e.g. 's3://my-bucket/records'.");
            }
        }
        else if (LooksLikeUrl(o.Destination))
        {
            failures.Add($"Backup:Destination: '{o.Destination}' looks like a URL, which would become a local folder of that name; "
                + "write an S3 destination as 's3://bucket/prefix' (the endpoint goes in Backup:ServiceUrl), or give a folder path.");
        }
        if (!BackupSchedule.IsValid(o))
        {
            failures.Add($"Backup:Schedule: '{o.Schedule}' is not a cron expression; e.g. '0 0 * * *' (daily at midnight), '15 * * * *' (hourly), or 'off'.");
        }
        else if (BackupSchedule.NeverFires(o))
        {
            failures.Add($"Backup:Schedule: '{o.Schedule}' names a day that never comes (such as 30 February), so no backup would ever run; "
                + "e.g. '0 0 * * *' (daily at midnight), or 'off' to run backups only from cron or POST /backup.");
        }
        if (!BackupSchedule.IsValidZone(o.TimeZone))
        {
            failures.Add($"Backup:TimeZone: '{o.TimeZone}' is not a known IANA time zone; e.g. 'Europe/Madrid' or 'UTC'.");
        }
        if (!string.IsNullOrEmpty(o.ServiceUrl))
        {
            if (!IsHttpUrl(o.ServiceUrl))
            {
                failures.Add($"Backup:ServiceUrl: '{o.ServiceUrl}' is not an http or https URL; e.g. 'http://127.0.0.1:9000'.");
            }
        }
        else if (S3Location.TryParse(o.Destination, out _, out _))
        {
            // The endpoint the AWS CLI would use (S3Location.ResolveEndpoint): without a scheme it stopped every verb
            // with .NET's "Invalid URI" text, and serve with a stack trace.
            foreach (var variable in new[] { "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL" })
            {
                if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
                {
                    if (!IsHttpUrl(value))
                    {
                        failures.Add($"{variable}: '{value}' is not an http or https URL; e.g. 'http://127.0.0.1:9000' (or set Backup:ServiceUrl, which comes first).");
                    }
                    break; // the first one set is the one used
                }
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttpUrl(string text) => Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https";

    /// <summary>
    /// A <c>scheme:</c> prefix (<c>s3:/bucket</c>, <c>https://s3.amazonaws.com/bucket</c>, <c>S3:bucket</c>): a path
    /// never starts that way on Linux by intent. A Windows drive (<c>C:\backup</c>, one letter) is a path.
    /// </summary>
    private static bool LooksLikeUrl(string destination)
    {
        var colon = destination.IndexOf(':', StringComparison.Ordinal);
        if (colon < 2)
        {
            return false;
        }
        var scheme = destination[..colon];
        return char.IsAsciiLetter(scheme[0]) && scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.');
    }
}
