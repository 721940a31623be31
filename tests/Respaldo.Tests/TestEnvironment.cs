using System.Runtime.CompilerServices;

namespace Respaldo.Tests;

internal static class TestEnvironment
{
    /// <summary>
    /// The AWS SDK's credential chain would otherwise probe the EC2 instance metadata address when a test gives
    /// no credentials; tests talk to loopback only.
    /// </summary>
    [ModuleInitializer]
    internal static void Initialize() => Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
}
