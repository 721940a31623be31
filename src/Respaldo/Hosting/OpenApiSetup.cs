using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Respaldo.Hosting;

internal static class OpenApiSetup
{
    public static IServiceCollection AddRespaldoOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Respaldo";
                document.Info.Description = "Receives person records, keeps each as a durable JSON file, and backs them up to S3. "
                    + "Every error is an application/problem+json ProblemDetails whose detail says what to do.";
                return OpenApiContract.ApplyAsync(document);
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.HttpMethod == HttpMethods.Head && operation.OperationId is { } id)
                {
                    // One endpoint answers GET and HEAD; operation ids must stay unique.
                    operation.OperationId = id + "Head";
                }
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>()
                        .Any(n => n.EndpointName == "StoreRecord")
                    && operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
                {
                    media.Example = JsonNode.Parse("""{"nombre": "Juan Pérez", "edad": 30, "profesion": "Ingeniero"}""");
                }
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapHttpApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = "docs";
            options.SwaggerEndpoint("/openapi/v1.json", "Respaldo v1");
            options.DocumentTitle = "Respaldo API";
        });
        return app;
    }
}
