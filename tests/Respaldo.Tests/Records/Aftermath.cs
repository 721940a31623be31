using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Records;

/// <summary>What must hold after any hostile request: nothing half-stored, and the service still serving.</summary>
internal static class Aftermath
{
    /// <summary>A deadline for one exchange: a request that outlives it is a hang, and fails the test.</summary>
    public static CancellationToken Bounded(int seconds = 30)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        return cts.Token;
    }

    /// <summary>Record files and temporary files in the spool folder.</summary>
    public static string[] RecordFiles(RespaldoApplication app) => Directory.Exists(app.SpoolDirectory)
        ? [.. Directory.GetFiles(app.SpoolDirectory).Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".tmp", StringComparison.Ordinal))]
        : [];

    public static void AssertNothingStored(RespaldoApplication app) => Assert.Empty(RecordFiles(app));

    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, int status)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Bounded());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>/healthz answers 200 and a valid record is still accepted and stored.</summary>
    public static async Task AssertStillServingAsync(RespaldoApplication app)
    {
        var before = RecordFiles(app).Length;
        using var health = await app.Client.GetAsync("/healthz", Bounded());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var valid = await app.Client.PostAsJsonAsync("/store_data/", new { nombre = "Eva", edad = 41, profesion = "Médica" }, Bounded());
        Assert.Equal(HttpStatusCode.Created, valid.StatusCode);
        Assert.Equal(before + 1, RecordFiles(app).Length);
    }
}
