using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Backup;
using Respaldo.Spool;
using Respaldo.Tests.Backup;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.MultiInstance;

/// <summary>
/// Several Respaldo instances on loopback as a load balancer would see them: each with its own spool folder, all
/// backing up to <c>s3://{bucket}/records</c> on one S3 server.
/// </summary>
internal sealed class Fleet : IAsyncDisposable
{
    private readonly List<RespaldoApplication> _instances;

    private Fleet(List<RespaldoApplication> instances) => _instances = instances;

    public RespaldoApplication this[int index] => _instances[index];

    public int Count => _instances.Count;

    public IEnumerable<RespaldoApplication> Instances => _instances;

    /// <param name="configure">Per instance index: extra services (a clock), or null.</param>
    public static async Task<Fleet> StartAsync(IS3Server server, string bucket, int count,
        Func<int, Action<IServiceCollection>?>? configure = null, Uri? via = null, params string[] settings)
    {
        var instances = new List<RespaldoApplication>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var client = S3Setup.Client(server, via);
                var extra = configure?.Invoke(i);
                var app = new RespaldoApplication(S3Setup.Settings(bucket, "records", settings), s => { client(s); extra?.Invoke(s); });
                instances.Add(app);
                await app.StartAsync();
            }
            return new Fleet(instances);
        }
        catch
        {
            await new Fleet(instances).DisposeAsync();
            throw;
        }
    }

    /// <summary>Posts record number <paramref name="n"/> to one instance and returns what it acknowledged.</summary>
    public async Task<Acknowledged> PostAsync(int instance, int n, CancellationToken ct)
    {
        var record = new { nombre = $"Persona {n} ñ 😀", edad = n % 151, profesion = $"Oficio {instance}" };
        var response = await _instances[instance].PostRecordAsync(record);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        var id = receipt.GetProperty("id").GetGuid();
        var stored = new StoredRecord(id, receipt.GetProperty("receivedAt").GetDateTimeOffset(), record.nombre, record.edad, record.profesion);
        return new Acknowledged(id, instance, RecordJson.Serialize(stored));
    }

    /// <summary>Posts records <paramref name="first"/> to first + count - 1, round-robin over the instances, several at once.</summary>
    public async Task<List<Acknowledged>> PostRoundRobinAsync(int first, int count, CancellationToken ct)
    {
        var acknowledged = new Acknowledged[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 12, CancellationToken = ct },
            async (i, token) => acknowledged[i] = await PostAsync((first + i) % Count, first + i, token));
        return [.. acknowledged];
    }

    public Task<RunSummary> BackUpAsync(int instance, CancellationToken ct) =>
        _instances[instance].Services.GetRequiredService<BackupRunner>().RunAsync("test", ct: ct);

    public Task<RunSummary[]> BackUpAllAtOnceAsync(CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, Count).Select(i => BackUpAsync(i, ct)));

    /// <summary>The ids of the record files in one instance's spool folder.</summary>
    public HashSet<Guid> Spooled(int instance) =>
        Directory.GetFiles(_instances[instance].SpoolDirectory, "*" + RecordId.Extension)
            .Select(f => RecordId.TryParseFileName(Path.GetFileName(f), out var id) ? id : Guid.Empty).ToHashSet();

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
    }
}

/// <summary>A record an instance answered 201 for, and the exact bytes its file holds (the on-disk format of the receipt's fields).</summary>
internal sealed record Acknowledged(Guid Id, int Instance, byte[] Bytes)
{
    public string Key => KeyLayout.KeyFor("records", Id);
}
