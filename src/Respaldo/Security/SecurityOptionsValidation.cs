using System.Net;
using Microsoft.Extensions.Options;

namespace Respaldo.Security;

/// <summary>
/// Checks <c>Security</c> at start-up with messages that name the setting and say what to do, and never repeat a key
/// (a rejected key may still be someone's real one).
/// </summary>
internal sealed class SecurityOptionsValidation : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.ApiKeys.Length; i++)
        {
            var key = options.ApiKeys[i];
            if (string.IsNullOrEmpty(key) || !key.All(c => c is > ' ' and <= '~'))
            {
                failures.Add($"Security:ApiKeys:{i}: a key must be visible ASCII characters without spaces (it travels as 'Authorization: Bearer <key>').");
            }
            else if (key.Length < SecurityOptions.MinKeyLength)
            {
                failures.Add($"Security:ApiKeys:{i}: the key has {key.Length} characters; use at least {SecurityOptions.MinKeyLength}, "
                    + "from a random source (e.g. 'openssl rand -hex 32'), so it cannot be guessed.");
            }
        }
        if (options.IntakeNeedsKey && options.ApiKeys.Length == 0)
        {
            var setting = options.RequireKeyForIntake ? "Security:RequireKeyForIntake" : "Security:ProtectRecords";
            failures.Add($"{setting}: needs at least one key in Security:ApiKeys.");
        }
        for (var i = 0; i < options.TrustedProxies.Length; i++)
        {
            if (!TrustedProxies.TryParse(options.TrustedProxies[i], out _, out _))
            {
                failures.Add($"Security:TrustedProxies:{i}: '{options.TrustedProxies[i]}' is not an IP address (10.0.0.5) or a network (10.0.0.0/8).");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
