using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Respaldo.Backup;
using Respaldo.Records;
using Respaldo.Spool;

namespace Respaldo.Hosting;

/// <summary>
/// The JSON of the HTTP API: every type an endpoint reads or writes, and every type the OpenAPI document
/// describes, is source-generated here. Native AOT has no reflection-based serializer, so the JIT build drops
/// it too: a type missing from <see cref="HttpJsonContext"/> fails in <c>dotnet run</c> and the in-process tests
/// exactly as it would in the published executable, instead of only there.
/// </summary>
internal static class HttpJson
{
    public static IServiceCollection AddHttpJson(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o =>
        {
            // Numbers are numbers: the OpenAPI schemas then say "integer" where the web defaults would also
            // allow a string, which the record parser rejects.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, HttpJsonContext.Default);
        });
        // After every Configure (ProblemDetails adds its own context): only source-generated resolvers remain.
        services.PostConfigure<JsonOptions>(o =>
        {
            var chain = o.SerializerOptions.TypeInfoResolverChain;
            for (var i = chain.Count - 1; i >= 0; i--)
            {
                if (chain[i] is DefaultJsonTypeInfoResolver)
                {
                    chain.RemoveAt(i);
                }
            }
        });
        return services;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(Receipt))]
[JsonSerializable(typeof(StoredRecord))]
[JsonSerializable(typeof(RecordRequest))]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(HealthEndpoints.Health))]
[JsonSerializable(typeof(BackupRunReport))]
internal sealed partial class HttpJsonContext : JsonSerializerContext;
