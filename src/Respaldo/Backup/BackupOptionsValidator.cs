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
        if (!BackupSchedule.IsValid(o))
        {
            failures.Add($"Backup:Schedule: '{o.Schedule}' is not a cron expression; e.g. '0 0 * * *' (daily at midnight), '15 * * * *' (hourly), or 'off'.");
        }
        if (!BackupSchedule.IsValidZone(o.TimeZone))
        {
            failures.Add($"Backup:TimeZone: '{o.TimeZone}' is not a known IANA time zone; e.g. 'Europe/Madrid' or 'UTC'.");
        }
        if (!string.IsNullOrEmpty(o.ServiceUrl)
            && !(Uri.TryCreate(o.ServiceUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
        {
            failures.Add($"Backup:ServiceUrl: '{o.ServiceUrl}' is not an http or https URL; e.g. 'http://127.0.0.1:9000'.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
