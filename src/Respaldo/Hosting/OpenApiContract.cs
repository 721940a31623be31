using Microsoft.OpenApi;
using Respaldo.Records;

namespace Respaldo.Hosting;

/// <summary>
/// What the generator cannot see and a client of the API must know: the seed's URL <c>/store_data/</c> as the path,
/// the <c>Idempotency-Key</c> request header, the response headers (<c>Location</c>, <c>Idempotent-Replayed</c>,
/// <c>Retry-After</c>), and the bearer scheme of the operating endpoints (so Swagger UI's Authorize button works).
/// <c>servers</c> is left out: behind a TLS-terminating proxy the address the service sees is not the clients' one,
/// and without it tools resolve paths against the address they fetched the document from, which is right.
/// </summary>
internal static class OpenApiContract
{
    public const string BearerScheme = "bearer";

    public static Task ApplyAsync(OpenApiDocument document)
    {
        document.Servers = [];
        // Routing serves both spellings; clients of the FastAPI service it replaces, and the README, use the slash.
        if (document.Paths.Remove("/store_data", out var store))
        {
            document.Paths["/store_data/"] = store;
        }
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "One of the keys in Security:ApiKeys, sent as 'Authorization: Bearer <key>'. Needed only when keys are configured.",
        };
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                Describe(document, path, method, operation);
            }
        }
        return Task.CompletedTask;
    }

    private static void Describe(OpenApiDocument document, string path, HttpMethod method, OpenApiOperation operation)
    {
        var responses = operation.Responses ?? [];
        if (responses.ContainsKey("401"))
        {
            // Optional: an empty requirement next to the bearer one says "or nothing" when no keys are configured.
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }, new OpenApiSecurityRequirement()];
        }
        else
        {
            // Open whatever the keys: said explicitly, so a reader (or a linter) knows it was meant.
            operation.Security = [new OpenApiSecurityRequirement()];
        }
        foreach (var status in new[] { "429", "503", "507" })
        {
            AddHeader(responses, status, "Retry-After", "Seconds to wait before sending the request again.", JsonSchemaType.Integer);
        }
        if (path == "/store_data/" && method == HttpMethod.Post)
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = RecordsEndpoints.IdempotencyKeyHeader,
                In = ParameterLocation.Header,
                Required = false,
                Description = "Makes retries safe: a repeat with the same key and record within Intake:IdempotencyWindow answers the original receipt and stores nothing; with a different record, 409.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = IdempotencyCache.MaxKeyLength, Pattern = "^[!-~]+$" },
            });
            AddHeader(responses, "201", "Location", "The record's URL, /records/{id}.", JsonSchemaType.String);
            AddHeader(responses, "201", RecordsEndpoints.ReplayedHeader, "'true' when this answers a repeat of an Idempotency-Key; absent otherwise.", JsonSchemaType.String);
        }
    }

    private static void AddHeader(OpenApiResponses responses, string status, string name, string description, JsonSchemaType type)
    {
        if (responses.TryGetValue(status, out var found) && found is OpenApiResponse response)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = type } };
        }
    }
}
