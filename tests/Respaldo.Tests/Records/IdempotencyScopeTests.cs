using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Records;
using Respaldo.Spool;
using Respaldo.Tests.Infrastructure;
using Respaldo.Tests.Operations;

namespace Respaldo.Tests.Records;

/// <summary>
/// Idempotency keys are per client (the API key when there is one), bounded in memory, and concurrent requests with
/// one key share one write: the concurrency tests hold the first write at a gate until every request has arrived.
/// </summary>
public sealed class IdempotencyScopeTests
{
    private const string KeyA = "client-a-key-3f9e1d7c5b";
    private const string KeyB = "client-b-key-8a6c4e2f0d";
    private static readonly object RecordX = new { nombre = "Ana", edad = 30, profesion = "Ingeniera" };
    private static readonly object RecordY = new { nombre = "Eva", edad = 41, profesion = "Médica" };
    private static readonly RecordRequest Ana = new("Ana", 30, "Ingeniera");
    private static readonly RecordRequest Eva = new("Eva", 41, "Médica");

    private static async Task<HttpResponseMessage> PostAsync(RespaldoApplication app, string? apiKey, string idempotencyKey, object record)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/store_data/") { Content = JsonContent.Create(record) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        return await app.Client.SendAsync(request, Aftermath.Bounded());
    }

    private static async Task<Guid> IdOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Aftermath.Bounded())).GetProperty("id").GetGuid();

    [Fact]
    public async Task TheSameKeyFromClientsWithDifferentApiKeysNeverConflictsNorReplaysTheOther()
    {
        await using var app = await new RespaldoApplication($"--Security:ApiKeys:0={KeyA}", $"--Security:ApiKeys:1={KeyB}").StartAsync();

        using var a = await PostAsync(app, KeyA, "order-1", RecordX);
        using var b = await PostAsync(app, KeyB, "order-1", RecordY);
        using var anonymous = await PostAsync(app, null, "order-1", RecordY);
        using var bAgain = await PostAsync(app, KeyB, "order-1", RecordY);
        using var bConflict = await PostAsync(app, KeyB, "order-1", RecordX);

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.Equal(HttpStatusCode.Created, anonymous.StatusCode);
        var (idA, idB) = (await IdOf(a), await IdOf(b));
        Assert.Equal(3, new[] { idA, idB, await IdOf(anonymous) }.Distinct().Count());
        Assert.Equal(idB, await IdOf(bAgain));
        await Aftermath.AssertProblemAsync(bConflict, 409);
        Assert.Equal(3, Aftermath.RecordFiles(app).Length);
    }

    [Fact]
    public async Task AClientsKeyScopeSurvivesARestart()
    {
        await using var app = await new RespaldoApplication($"--Security:ApiKeys:0={KeyA}", $"--Security:ApiKeys:1={KeyB}").StartAsync();
        using var b = await PostAsync(app, KeyB, "order-1", RecordY);

        await app.RestartAsync();
        using var bAgain = await PostAsync(app, KeyB, "order-1", RecordY);
        using var a = await PostAsync(app, KeyA, "order-1", RecordX);

        Assert.Equal(await IdOf(b), await IdOf(bAgain));
        Assert.Equal(["true"], bAgain.Headers.GetValues("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.False(a.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, Aftermath.RecordFiles(app).Length);
    }

    [Theory]
    [InlineData("--Intake:IdempotencyMaxEntries=3")]
    [InlineData("--Intake:IdempotencyMaxBytes=65536")]
    public async Task AFloodOfDistinctKeysIsBoundedEvictingTheOldestAndCountingIt(string bound)
    {
        await using var app = await new RespaldoApplication(bound).StartAsync();
        var cache = app.Services.GetRequiredService<IdempotencyCache>();
        // Each remembered key is estimated at 320 bytes or more, so the byte bound allows at most 65536 / 320 keys.
        var limit = bound.Contains("Entries", StringComparison.Ordinal) ? 3 : 65536 / 320;

        for (var i = 0; i < limit + 20; i++)
        {
            using var response = await PostAsync(app, null, $"flood-{i}", RecordX);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.True(cache.Count <= limit, $"{cache.Count} keys remembered after {i + 1}");
        }
        using var oldest = await PostAsync(app, null, "flood-0", RecordX);
        using var newest = await PostAsync(app, null, $"flood-{limit + 19}", RecordX);

        Assert.False(oldest.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(["true"], newest.Headers.GetValues("Idempotent-Replayed"));
        var metrics = await MetricsTests.ScrapeAsync(app);
        Assert.True(metrics.Value("respaldo_idempotency_evicted_total") >= 20, "evictions were not counted");
    }

    [Fact]
    public async Task ConcurrentRequestsWithTheSameKeyAndBodyHeldUntilAllArrivedShareOneWrite()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var cache = app.Services.GetRequiredService<IdempotencyCache>();
        var spool = app.Services.GetRequiredService<RecordSpool>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writes = 0;
        Func<Task<Receipt>> write = async () =>
        {
            Interlocked.Increment(ref writes);
            await gate.Task;
            return await spool.WriteAsync(Ana.Nombre, Ana.Edad, Ana.Profesion, "same");
        };

        var calls = Enumerable.Range(0, 20).Select(_ => cache.GetOrWriteAsync(null, "same", Ana, write)).ToArray();
        Assert.All(calls, c => Assert.False(c.IsCompleted, "a request finished before the held write was released"));
        gate.SetResult();
        var results = await Task.WhenAll(calls);

        Assert.Equal(1, writes);
        Assert.All(results, r => Assert.NotNull(r));
        Assert.Single(results.Select(r => r!.Value.Receipt.Id).Distinct());
        Assert.Equal(19, results.Count(r => r!.Value.Replayed));
        Assert.Single(Aftermath.RecordFiles(app));
    }

    [Fact]
    public async Task AConcurrentRequestWithTheSameKeyAndAnotherBodyIsRefusedWhileTheFirstWriteIsHeld()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var cache = app.Services.GetRequiredService<IdempotencyCache>();
        var spool = app.Services.GetRequiredService<RecordSpool>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = cache.GetOrWriteAsync(null, "order-7", Ana, async () =>
        {
            await gate.Task;
            return await spool.WriteAsync(Ana.Nombre, Ana.Edad, Ana.Profesion, "order-7");
        });

        // Over HTTP, while the first write is still held: another body is a 409 at once, and writes nothing.
        using var other = await PostAsync(app, null, "order-7", RecordY);
        Assert.False(held.IsCompleted);
        await Aftermath.AssertProblemAsync(other, 409);
        Aftermath.AssertNothingStored(app);
        Assert.Null(await cache.GetOrWriteAsync(null, "order-7", Eva, () => throw new InvalidOperationException("must not write")));

        gate.SetResult();
        var first = await held;
        Assert.NotNull(first);
        Assert.False(first.Value.Replayed);
        Assert.Single(Aftermath.RecordFiles(app));
    }
}
