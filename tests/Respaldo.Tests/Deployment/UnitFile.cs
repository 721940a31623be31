namespace Respaldo.Tests.Deployment;

/// <summary>A systemd unit file read as systemd reads it: sections of <c>Key=value</c> lines, keys may repeat.</summary>
internal sealed class UnitFile
{
    private readonly List<(string Section, string Key, string Value)> _entries = [];

    public UnitFile(string path)
    {
        Path = path;
        var section = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }
            if (line[0] == '[')
            {
                section = line.Trim('[', ']');
                continue;
            }
            var eq = line.IndexOf('=');
            _entries.Add((section, line[..eq].Trim(), line[(eq + 1)..].Trim()));
        }
    }

    public string Path { get; }

    public static UnitFile Shipped(string name) => new(RepoFiles.Deploy(name));

    /// <summary>Every value of the key, in file order.</summary>
    public IReadOnlyList<string> All(string key, string section = "Service") =>
        _entries.Where(e => e.Section == section && e.Key == key).Select(e => e.Value).ToList();

    /// <summary>The value in effect (the last one), or null when the key is absent.</summary>
    public string? this[string key, string section = "Service"] => All(key, section).LastOrDefault();

    /// <summary>The <c>Environment=</c> assignments.</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        All("Environment").Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    public IEnumerable<(string Key, string Value)> Entries(string section) =>
        _entries.Where(e => e.Section == section).Select(e => (e.Key, e.Value));
}
