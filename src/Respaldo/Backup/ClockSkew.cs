using System.Globalization;
using Amazon.S3;

namespace Respaldo.Backup;

/// <summary>
/// This machine's clock against an S3 store's, from the <c>Date</c> header of one unsigned <c>HEAD</c> of the
/// endpoint. Every S3 server sends that header, even with the 403 it gives an unsigned request, so no permission
/// and no SDK internals are needed.
/// </summary>
internal static class ClockSkew
{
    /// <summary>Seconds this clock is ahead of the store's (negative: behind); null when the store could not be asked.</summary>
    public static async Task<double?> MeasureAsync(IAmazonS3 s3, TimeProvider time, TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = timeout };
        try
        {
            var sent = time.GetUtcNow();
            using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, Endpoint(s3)), ct);
            var received = time.GetUtcNow();
            if (response.Headers.Date is not { } storeTime)
            {
                return null;
            }
            // The header has whole seconds; the middle of the round trip is the best guess of when it was written.
            var local = sent + (received - sent) / 2;
            return Math.Round((local - storeTime).TotalSeconds, 1);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The store's base URL: the custom endpoint, or AWS's regional one.</summary>
    public static Uri Endpoint(IAmazonS3 s3) =>
        s3.Config.ServiceURL is { Length: > 0 } url ? new Uri(url)
            : new Uri(string.Create(CultureInfo.InvariantCulture, $"https://s3.{s3.Config.RegionEndpoint?.SystemName ?? "us-east-1"}.amazonaws.com/"));
}
