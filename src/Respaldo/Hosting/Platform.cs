using System.Runtime.Versioning;

// Respaldo's durability rests on Linux calls (syncfs, directory fsync) and POSIX file modes.
[assembly: SupportedOSPlatform("linux")]
