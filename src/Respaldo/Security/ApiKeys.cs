using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Respaldo.Security;

/// <summary>
/// Checks a presented key against the configured ones in constant time: both sides are hashed first, so
/// the comparison takes the same time whatever the lengths, and every configured key is compared, so the
/// time does not tell which one (or whether any) matched. Keys are never logged or echoed.
/// </summary>
internal sealed class ApiKeys(IOptions<SecurityOptions> options)
{
    private readonly byte[][] _hashes = [.. options.Value.ApiKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k)))];

    public bool Configured => _hashes.Length > 0;

    /// <summary>
    /// Who the client is for idempotency: a short digest of the valid key it sent (never the key), or null for a
    /// client without one. Clients with different keys then never see each other's Idempotency-Keys.
    /// </summary>
    public string? ScopeOf(HttpRequest request)
    {
        const string scheme = "Bearer ";
        var values = request.Headers.Authorization;
        if (!Configured || values.Count != 1 || values[0] is not { } header || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var key = header[scheme.Length..].Trim();
        return IsValid(key) ? "key:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16] : null;
    }

    public bool IsValid(string presented)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var match = false;
        foreach (var expected in _hashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(hash, expected);
        }
        return match;
    }
}
