using System.Text.RegularExpressions;

namespace Respaldo.Tests.Deployment;

/// <summary>
/// An example environment file: the assignments in effect, and the ones commented out for a person to enable.
/// The files keep to the part of the syntax that systemd's EnvironmentFile= and /bin/sh read alike:
/// <c>KEY=value</c> with no spaces around '=', and double quotes (nothing else) around a value with spaces.
/// </summary>
internal sealed partial class EnvironmentFile
{
    public EnvironmentFile(string path)
    {
        Path = path;
        foreach (var line in File.ReadAllLines(path))
        {
            if (Assignment().Match(line) is { Success: true } m)
            {
                var (key, value) = (m.Groups["key"].Value, Unquote(m.Groups["value"].Value));
                (m.Groups["off"].Success ? CommentedOut : Active).Add(new(key, value, line));
            }
            else if (line.Length > 0 && !line.StartsWith('#'))
            {
                Malformed.Add(line);
            }
        }
    }

    public string Path { get; }
    public List<Setting> Active { get; } = [];
    public List<Setting> CommentedOut { get; } = [];
    public List<string> Malformed { get; } = [];

    public static EnvironmentFile Shipped(string name) => new(RepoFiles.Deploy(name));

    public IEnumerable<Setting> All => Active.Concat(CommentedOut);

    /// <summary>Respaldo's own settings (<c>Section__Key</c> and <c>Urls</c>) as command-line tokens.</summary>
    public static IEnumerable<string> AsArguments(IEnumerable<Setting> settings) =>
        settings.Where(s => s.IsRespaldoSetting).Select(s => $"--{s.Key.Replace("__", ":")}={s.Value}");

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;

    [GeneratedRegex("""^(?<off>#)?(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>"[^"$`\\]*"|[^\s"'$`\\]*)$""")]
    private static partial Regex Assignment();

    internal sealed record Setting(string Key, string Value, string Line)
    {
        public bool IsRespaldoSetting => Key.Contains("__") || Key == "Urls";
    }
}
