using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Respaldo.Security;

/// <summary>Endpoint metadata read by <see cref="ApiKeyMiddleware"/>: this endpoint wants a bearer key.</summary>
internal sealed class ApiKeyRequirement(bool onlyWhenIntakeProtected)
{
    public static readonly ApiKeyRequirement Always = new(false);
    public static readonly ApiKeyRequirement WhenIntakeProtected = new(true);

    public bool Applies(SecurityOptions options) => !onlyWhenIntakeProtected || options.IntakeNeedsKey;
}

internal static class ApiKeyConventions
{
    /// <summary>
    /// When <c>Security:ApiKeys</c> holds keys, the endpoint answers only requests with
    /// <c>Authorization: Bearer &lt;key&gt;</c>; others get 401. Works on any endpoint (route handlers,
    /// groups, and request-delegate endpoints such as metrics), because a middleware enforces it.
    /// </summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ApiKeyRequirement.Always, Unauthorized);

    /// <summary>Like <see cref="RequireApiKey"/>, but only when <c>Security:RequireKeyForIntake</c> is true.</summary>
    public static TBuilder RequireApiKeyForIntake<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ApiKeyRequirement.WhenIntakeProtected, Unauthorized);

    private static readonly IProducesResponseTypeMetadata Unauthorized =
        new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(ProblemDetails), ["application/problem+json"]);
}
