using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Respaldo.Spool;

namespace Respaldo.Tests.Faults;

/// <summary>
/// The client's side of the promise: every record answered 201, with its id and the fields it sent, and the check
/// that each one exists exactly once, byte-identical, in the spool or the destination, and that nothing partial is
/// visible as a record. Every fault test posts through one and checks it after every fault.
/// </summary>
internal sealed class Ledger
{
    private readonly ConcurrentDictionary<Guid, Entry> _acked = new();
    private readonly ConcurrentDictionary<HttpStatusCode, int> _refusedBy = new();
    private int _sent;
    private int _refused;
    private int _unanswered;

    /// <summary>A record as a client sends it. <paramref name="Nombre"/> carries a token unique per record, so a copy under another id is found.</summary>
    public sealed record Sent(string Nombre, int Edad, string Profesion)
    {
        public byte[] Body => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { nombre = Nombre, edad = Edad, profesion = Profesion }));
    }

    private sealed record Entry(Sent Sent, DateTimeOffset ReceivedAt)
    {
        // The documented on-disk format, written independently of the product's serializer, applied to exactly
        // what was sent and what the receipt says.
        public byte[] Expected(Guid id) => RecordFileFormat.Expected(id, ReceivedAt, Sent.Nombre, Sent.Edad, Sent.Profesion);
    }

    public int Acknowledged => _acked.Count;
    public int SentCount => Volatile.Read(ref _sent);
    public int Refused => Volatile.Read(ref _refused);
    public int Unanswered => Volatile.Read(ref _unanswered);

    /// <summary>Answers other than 201, by status code.</summary>
    public IReadOnlyDictionary<HttpStatusCode, int> RefusedByStatus => _refusedBy;
    public IReadOnlyCollection<Guid> Ids => _acked.Keys.ToArray();

    private static readonly string[] Names = ["José Núñez", "Zoë", "李雷", "Ана", "Ōsaka 😀", "Ingrid \"Ing\" O'Neil", "Renée\\Back"];

    public static Sent NewRecord(int seq) =>
        new($"{Names[seq % Names.Length]} #{Guid.NewGuid():N}", seq % 151, $"Oficio {seq}");

    /// <summary>Posts one new record; returns its id when the answer was 201 (then it is in the ledger), else null.</summary>
    public async Task<Guid?> PostAsync(HttpClient client, int seq, CancellationToken ct) => await PostAsync(client, NewRecord(seq), ct);

    public async Task<Guid?> PostAsync(HttpClient client, Sent record, CancellationToken ct)
    {
        Interlocked.Increment(ref _sent);
        HttpResponseMessage response;
        try
        {
            var content = new ByteArrayContent(record.Body);
            content.Headers.ContentType = new("application/json");
            response = await client.PostAsync("/store_data/", content, ct);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            Interlocked.Increment(ref _unanswered); // the server died or the connection broke: not acknowledged
            return null;
        }
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.Created)
            {
                Interlocked.Increment(ref _refused);
                _refusedBy.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
                return null;
            }
            JsonElement receipt;
            try
            {
                receipt = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                // The status line arrived but the receipt did not: the client cannot know the id, so not acknowledged.
                Interlocked.Increment(ref _unanswered);
                return null;
            }
            var id = receipt.GetProperty("id").GetGuid();
            Acknowledge(id, record, receipt.GetProperty("receivedAt").GetDateTimeOffset());
            return id;
        }
    }

    public void Acknowledge(Guid id, Sent record, DateTimeOffset receivedAt)
    {
        if (!_acked.TryAdd(id, new Entry(record, receivedAt)))
        {
            throw new InvalidOperationException($"The service acknowledged id {id} twice.");
        }
    }

    public byte[] ExpectedBytes(Guid id) => _acked[id].Expected(id);

    /// <summary>A ledger of the records acknowledged so far, for checking a copy of the disk taken now.</summary>
    public Ledger Snapshot()
    {
        var copy = new Ledger();
        foreach (var (id, entry) in _acked.ToArray())
        {
            copy._acked[id] = entry;
        }
        return copy;
    }

    /// <summary>
    /// Checks the invariant. <paramref name="destination"/> maps keys to object bytes (see <see cref="DestinationContents"/>).
    /// Settled (no run in progress or interrupted): a record is in exactly one place. Unsettled (right after a killed or
    /// failed run): a record may also still be spooled beside its uploaded copy, and a destination object that
    /// differs is tolerated only while the exact bytes are still spooled, because the next run overwrites it.
    /// </summary>
    public LedgerCheck Check(string spoolDirectory, IReadOnlyDictionary<string, byte[]> destination, bool settled = true)
    {
        var problems = new List<string>();
        var spool = new Dictionary<Guid, byte[]>();
        var tokens = new Dictionary<string, HashSet<Guid>>();
        int partial = 0, lost = 0, duplicated = 0, corrupt = 0, inSpool = 0, inDestination = 0, inBoth = 0;

        void Token(byte[] bytes, Guid id)
        {
            if (RecordJson.TryParse(bytes) is { } record && record.Nombre.LastIndexOf('#') is var hash and >= 0)
            {
                var token = record.Nombre[hash..];
                if (!tokens.TryGetValue(token, out var ids))
                {
                    tokens[token] = ids = [];
                }
                ids.Add(id);
            }
        }

        foreach (var path in Directory.Exists(spoolDirectory) ? Directory.GetFiles(spoolDirectory, "*" + RecordId.Extension) : [])
        {
            var name = Path.GetFileName(path);
            var bytes = File.ReadAllBytes(path);
            if (!RecordId.TryParseFileName(name, out var id) || RecordJson.TryParse(bytes)?.Id != id)
            {
                partial++;
                problems.Add($"spool: {name} ({bytes.Length} bytes) is visible as a record but is not a complete one");
                continue;
            }
            spool[id] = bytes;
            Token(bytes, id);
        }

        var remote = new Dictionary<Guid, List<(string Key, byte[] Bytes)>>();
        foreach (var (key, bytes) in destination)
        {
            // Every object must be a record under its one deterministic key; anything else is a finding.
            if (!RecordFileFormat.TryParseKey(key, out var id) || !RecordFileFormat.IsExpectedKey(key, id))
            {
                problems.Add($"destination: {key} ({bytes.Length} bytes) is under an unexpected key");
                continue;
            }
            if (!remote.TryGetValue(id, out var copies))
            {
                remote[id] = copies = [];
            }
            copies.Add((key, bytes));
            if (RecordJson.TryParse(bytes)?.Id == id)
            {
                Token(bytes, id);
            }
            else if (settled || !spool.ContainsKey(id))
            {
                partial++;
                problems.Add($"destination: {key} ({bytes.Length} bytes) is not a complete record");
            }
        }

        foreach (var (id, entry) in _acked)
        {
            var expected = entry.Expected(id);
            var local = spool.TryGetValue(id, out var spooled);
            if (local && !spooled!.AsSpan().SequenceEqual(expected))
            {
                corrupt++;
                problems.Add($"{id}: the spooled file differs from what was acknowledged");
                local = false;
            }
            var copies = remote.TryGetValue(id, out var c) ? c : [];
            var good = copies.Count(x => x.Bytes.AsSpan().SequenceEqual(expected));
            var bad = copies.Count - good;
            if (bad > 0 && (settled || !local))
            {
                corrupt++;
                problems.Add($"{id}: {bad} destination object(s) differ from what was acknowledged ({string.Join(", ", copies.Select(x => x.Key))})");
            }
            if (copies.Count > 1)
            {
                duplicated++;
                problems.Add($"{id}: {copies.Count} destination objects ({string.Join(", ", copies.Select(x => x.Key))})");
            }
            else if (settled && local && good > 0)
            {
                duplicated++;
                problems.Add($"{id}: both spooled and in the destination after a completed run");
            }
            if (!local && good == 0)
            {
                lost++;
                problems.Add($"{id}: acknowledged but neither spooled nor in the destination with the acknowledged bytes");
            }
            inSpool += local ? 1 : 0;
            inDestination += good > 0 ? 1 : 0;
            inBoth += local && good > 0 ? 1 : 0;
        }

        foreach (var (token, ids) in tokens.Where(t => t.Value.Count > 1))
        {
            duplicated++;
            problems.Add($"the record sent with token {token} is stored under {ids.Count} ids: {string.Join(", ", ids)}");
        }

        var unacknowledged = spool.Keys.Concat(remote.Keys).Distinct().Count(id => !_acked.ContainsKey(id));
        return new LedgerCheck(_acked.Count, lost, duplicated, partial, corrupt, inSpool, inDestination, inBoth, unacknowledged, problems);
    }
}

/// <summary>The outcome of one <see cref="Ledger.Check"/>.</summary>
internal sealed record LedgerCheck(
    int Acknowledged, int Lost, int Duplicated, int Partial, int Corrupt,
    int InSpool, int InDestination, int InBoth, int UnacknowledgedPresent, IReadOnlyList<string> Problems)
{
    public void AssertHolds(string when)
    {
        if (Problems.Count > 0)
        {
            Assert.Fail($"Invariant broken {when} ({this}):\n  " + string.Join("\n  ", Problems.Take(30)));
        }
    }

    public override string ToString() =>
        $"acknowledged {Acknowledged}, lost {Lost}, duplicated {Duplicated}, partial {Partial}, corrupt {Corrupt}; " +
        $"in spool {InSpool}, in destination {InDestination}, in both {InBoth}, unacknowledged present {UnacknowledgedPresent}";
}
