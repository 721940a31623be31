using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Respaldo.Hosting;
using Respaldo.Operations;
using Respaldo.Security;
using Respaldo.Spool;

namespace Respaldo.Records;

internal static class RecordsEndpoints
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static RouteGroupBuilder MapRecords(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Records");
        // Intake stays open unless configured (the seed's clients send no key); reading a record back returns
        // personal data, so it needs a key as soon as any key is configured.
        group.MapPost("/store_data/", Store)
            .RequireApiKeyForIntake()
            .RequireIntakeRateLimit()
            .WithIntakeTelemetry()
            .WithName("StoreRecord")
            .WithSummary("Stores one person record durably")
            .WithDescription("Answers 201 only after the record is on disk as its own JSON file. Send an Idempotency-Key header to make retries safe.")
            .Accepts<RecordRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status408RequestTimeout)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);
        group.MapMethods("/records/{id}", HttpGetOrHead.Methods, Get)
            .RequireApiKey()
            .WithName("GetRecord")
            .WithSummary("Reads a stored record, from the spool or from the backup")
            .Produces<StoredRecord>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    internal static async Task<Results<Created<Receipt>, ProblemHttpResult>> Store(
        HttpRequest request, HttpResponse response, RecordSpool spool, IdempotencyCache idempotency, ApiKeys apiKeys,
        IOptions<IntakeOptions> options, CancellationToken ct)
    {
        if (IntakeContentType.Problem(request) is { } contentType)
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", contentType);
        }
        if (await ParseBodyAsync(request, options.Value.MaxBodyBytes, ct) is not { } parsed)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"A record body may be at most {options.Value.MaxBodyBytes} bytes (Intake:MaxBodyBytes); nothing was stored.");
        }
        if (parsed.MalformedReason is { } reason)
        {
            return Problem(StatusCodes.Status400BadRequest, "Malformed JSON", reason);
        }
        if (parsed.Record is not { } record)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(parsed.Errors!)
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Type = Hosting.ProblemTypes.For(StatusCodes.Status422UnprocessableEntity),
                Title = "Invalid record",
                Detail = "Fix the fields listed in 'errors' and send it again; nothing was stored.",
            });
        }

        // Two header lines would otherwise be joined into one comma-separated "key": reject them as ambiguous.
        var keys = request.Headers[IdempotencyKeyHeader];
        string? key = keys.Count == 1 ? keys[0] : keys.Count == 0 ? null : "";
        if (key is null)
        {
            var receipt = await spool.WriteAsync(record.Nombre, record.Edad, record.Profesion);
            return Created(receipt);
        }
        if (!IdempotencyCache.IsValidKey(key))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid Idempotency-Key",
                $"Send one {IdempotencyKeyHeader} header of 1 to {IdempotencyCache.MaxKeyLength} visible ASCII characters.");
        }
        var scope = apiKeys.ScopeOf(request);
        var outcome = await idempotency.GetOrWriteAsync(scope, key, record,
            () => spool.WriteAsync(record.Nombre, record.Edad, record.Profesion, key, scope));
        if (outcome is not var (original, replayed))
        {
            return Problem(StatusCodes.Status409Conflict, "Idempotency-Key reused",
                $"This {IdempotencyKeyHeader} was already used for a different record; use a new key for a new record.");
        }
        if (replayed)
        {
            response.Headers[ReplayedHeader] = "true";
        }
        return Created(original);
    }

    internal static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Get(
        string id, RecordReader reader, CancellationToken ct)
    {
        if (!RecordId.TryParse(id, out var recordId))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid record id",
                "A record id is a UUIDv7 like 019376d2-7c1e-7b3a-9f00-5d2c1e0a4b11, as returned by POST /store_data/.");
        }
        var bytes = await reader.ReadAsync(recordId, ct);
        return bytes is null
            ? Problem(StatusCodes.Status404NotFound, "Record not found", $"No record with id {recordId} is in the spool or the backup. Check the id: it is the 'id' that POST /store_data/ answered, and a record backed up to another destination is read from a service configured with that one.")
            : TypedResults.Bytes(bytes, "application/json");
    }

    private static Created<Receipt> Created(Receipt receipt) => TypedResults.Created(Location(receipt.Id), receipt);

    /// <summary><c>/records/{id}</c> as one string, formatted in place (no intermediate buffer, no boxed id).</summary>
    private static string Location(Guid id) => string.Create(LocationPrefix.Length + 36, id, static (chars, id) =>
    {
        LocationPrefix.CopyTo(chars);
        id.TryFormat(chars[LocationPrefix.Length..], out _, "D");
    });

    private const string LocationPrefix = "/records/";

    internal static ProblemHttpResult Problem(int status, string title, string detail) =>
        Hosting.ProblemTypes.Problem(status, title, detail);

    /// <summary>Reads the whole body and parses it, or returns null as soon as it exceeds <paramref name="max"/> bytes.</summary>
    /// <remarks>
    /// The body is parsed where Kestrel received it, without a copy, when it arrived in one piece (a record of the
    /// usual size does); only a body split across buffers is copied into one array first. A ValueTask: the body has
    /// usually arrived with the headers, and then nothing is allocated for the wait.
    /// </remarks>
    private static async ValueTask<ParseResult?> ParseBodyAsync(HttpRequest request, int max, CancellationToken ct)
    {
        if (request.ContentLength > max)
        {
            return null;
        }
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            if (buffer.Length > max)
            {
                reader.AdvanceTo(buffer.End);
                return null;
            }
            if (result.IsCompleted)
            {
                var parsed = RecordParser.Parse(buffer.IsSingleSegment ? buffer.FirstSpan : buffer.ToArray());
                reader.AdvanceTo(buffer.End);
                return parsed;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
