using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Respaldo.Spool;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Contract;

namespace Respaldo.Tests.Spool;

/// <summary>The spool folder under load, across restarts and after a crash.</summary>
public sealed class SpoolDurabilityTests
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = OwnerReadWrite | UnixFileMode.UserExecute;

    [Fact]
    public async Task HundredsOfConcurrentPostsEachWriteTheirOwnCompleteFile()
    {
        const int count = 300;
        await using var app = await new RespaldoApplication().StartAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, count).Select(i => PostAsync(app, Body($"Persona {i}", (i % 151).ToString(), $"Oficio {i}"))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var ids = new HashSet<Guid>();
        foreach (var response in responses)
        {
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid());
        }
        Assert.Equal(count, ids.Count);
        Assert.Equal(ids.Select(id => $"{id}.json").Order(), app.SpoolFiles());
        var nombres = new HashSet<string>();
        foreach (var id in ids)
        {
            using var record = JsonDocument.Parse(ReadRecordFile(app, id));
            Assert.Equal(id, record.RootElement.GetProperty("id").GetGuid());
            var nombre = record.RootElement.GetProperty("nombre").GetString()!;
            var i = int.Parse(nombre["Persona ".Length..]);
            Assert.Equal($"Oficio {i}", record.RootElement.GetProperty("profesion").GetString());
            Assert.Equal(i % 151, record.RootElement.GetProperty("edad").GetInt32());
            nombres.Add(nombre);
        }
        Assert.Equal(count, nombres.Count);
    }

    [Fact]
    public async Task RecordsStayReadableAfterTheHostRestarts()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var ids = new[] { await StoreAsync(app, Body("Íñigo", "33", "Pastor")), await StoreAsync(app, Body("Лена", "27", "Врач")) };
        var files = ids.Select(id => ReadRecordFile(app, id)).ToArray();

        await app.RestartAsync();

        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal(files[i], await app.Client.GetByteArrayAsync($"/records/{ids[i]}", Ct));
        }
        var afterRestart = await StoreAsync(app, Body());
        Assert.Equal(ids.Append(afterRestart).Select(id => $"{id}.json").Order(), app.SpoolFiles());
    }

    [Fact]
    public async Task LeftoverTemporaryFilesAreRemovedAtStartUpAndCounted()
    {
        var log = new LogCapture();
        await using var app = new RespaldoApplication(["--Logging:LogLevel:Respaldo=Information"], s => s.AddSingleton<ILoggerProvider>(log));
        Directory.CreateDirectory(app.SpoolDirectory);
        var complete = WriteCompleteRecord(app.SpoolDirectory);
        var temps = new[] { SpoolFolder.TempName(Guid.CreateVersion7()), SpoolFolder.TempName(Guid.CreateVersion7()) };
        foreach (var temp in temps)
        {
            await File.WriteAllTextAsync(Path.Combine(app.SpoolDirectory, temp), """{"id": "0193""", Ct);
        }

        await app.StartAsync();

        Assert.Equal([$"{complete}.json"], app.SpoolFiles());
        Assert.Contains(log.Messages, m => m.Contains("removed 2 leftover temporary files"));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync($"/records/{complete}", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("""{"id": "01""")]
    public async Task RecordFilesThatACrashLeftIncompleteAreMovedToQuarantineAtStartUp(string content)
    {
        await using var app = new RespaldoApplication();
        Directory.CreateDirectory(app.SpoolDirectory);
        var complete = WriteCompleteRecord(app.SpoolDirectory);
        var debris = Guid.CreateVersion7();
        await File.WriteAllTextAsync(Path.Combine(app.SpoolDirectory, $"{debris}.json"), content, Ct);

        await app.StartAsync();

        Assert.Equal([$"{complete}.json"], app.SpoolFiles());
        var quarantine = Path.Combine(app.SpoolDirectory, ".respaldo", "quarantine");
        Assert.Equal(content, await File.ReadAllTextAsync(Path.Combine(quarantine, $"{debris}.json"), Ct));
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(quarantine));
        await AssertProblemAsync(await app.Client.GetAsync($"/records/{debris}", Ct), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync($"/records/{complete}", Ct)).StatusCode);
    }

    [Fact]
    public async Task RecordFilesAreReadableByTheOwnerOnlyAndSoAreTheFolders()
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var id = await StoreAsync(app, Body());

        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(Path.Combine(app.SpoolDirectory, $"{id}.json")));
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(app.SpoolDirectory));
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(Path.Combine(app.SpoolDirectory, ".respaldo")));
    }

    [Fact]
    public async Task APostThatCannotBeMadeDurableAnswers503WithRetryAfterAndLeavesNoRecord()
    {
        await using var app = await new RespaldoApplication().StartAsync();
        Directory.Delete(app.SpoolDirectory, recursive: true);
        await File.WriteAllTextAsync(app.SpoolDirectory, "a file where the spool folder was", Ct);

        var response = await PostAsync(app, Body());

        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter?.Delta);
        File.Delete(app.SpoolDirectory);
        Directory.CreateDirectory(app.SpoolDirectory);
        Assert.Empty(app.SpoolFiles());
        var retried = await StoreAsync(app, Body());
        Assert.Equal([$"{retried}.json"], app.SpoolFiles());
    }

    [Fact]
    public void GuidCompareToOrdersUuidV7IdsByCreationTime()
    {
        // SpoolIndex and the listing sort ids with Guid.CompareTo and take the first as the oldest. The times
        // cross every byte boundary of the 48-bit timestamp, including the sign bit of Guid's first field.
        long[] milliseconds =
        [
            0, 1, 0xFF, 0x100, 0xFFFF, 0x1_0000, 0xFF_FFFF, 0x100_0000, 0xFFFF_FFFF, 0x1_0000_0000,
            DateTimeOffset.Parse("2025-06-01T00:00:00Z").ToUnixTimeMilliseconds(),
            DateTimeOffset.Parse("2025-06-01T00:00:00.001Z").ToUnixTimeMilliseconds(),
            0x7FFF_FFFF_FFFF, 0x8000_0000_0000,
            DateTimeOffset.MaxValue.ToUnixTimeMilliseconds(),
        ];
        for (var round = 0; round < 50; round++)
        {
            var ids = milliseconds.Select(ms => Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(ms))).ToList();
            var shuffled = ids.OrderBy(_ => Random.Shared.Next()).ToList();

            shuffled.Sort((a, b) => a.CompareTo(b));

            Assert.Equal(ids, shuffled);
            Assert.Equal(milliseconds, shuffled.Select(id => RecordId.Timestamp(id).ToUnixTimeMilliseconds()));
            Assert.Equal(ids.Select(id => id.ToString()), ids.Select(id => id.ToString()).Order(StringComparer.Ordinal));
        }
    }

    /// <summary>Writes a record file as the service would, and returns its id.</summary>
    private static Guid WriteCompleteRecord(string directory)
    {
        var receivedAt = DateTimeOffset.UtcNow;
        var id = RecordId.New(receivedAt);
        var record = new StoredRecord(id, receivedAt, "Ana", 30, "Ingeniera");
        File.WriteAllBytes(Path.Combine(directory, RecordId.FileName(id)), RecordJson.Serialize(record));
        return id;
    }

    private sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Messages);

        public void Dispose() { }

        private sealed class Logger(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception));
        }
    }
}
