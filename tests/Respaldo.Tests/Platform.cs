using System.Runtime.Versioning;

// The service is Linux-only (syncfs, POSIX modes), and so are its tests.
[assembly: SupportedOSPlatform("linux")]
