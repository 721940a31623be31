using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Hosting;

namespace Respaldo.Tests.Infrastructure;

/// <summary>
/// The real service on a free loopback port (real Kestrel, so body-rate limits and connection behaviour are the
/// production ones), with its own temporary spool and backup folders. Restart it over the same folders with
/// <see cref="RestartAsync"/>. Extra settings go in as <c>--Section:Key=value</c>, exactly as on the command line.
/// </summary>
public sealed class RespaldoApplication : IAsyncDisposable
{
    private readonly string[] _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly bool _ownsRoot;
    private WebApplication? _app;

    public RespaldoApplication(params string[] settings) : this(settings, null) { }

    public RespaldoApplication(string[] settings, Action<IServiceCollection>? services, TempFolder? root = null)
    {
        Root = root ?? new TempFolder();
        _ownsRoot = root is null;
        _settings = settings;
        _services = services;
    }

    public TempFolder Root { get; }
    public string SpoolDirectory => Path.Combine(Root.Path, "records");
    public string BackupDirectory => Path.Combine(Root.Path, "backup");
    public Uri BaseAddress { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public IServiceProvider Services => _app!.Services;

    /// <summary>Every spooled record file, by name.</summary>
    public string[] SpoolFiles() => Directory.Exists(SpoolDirectory)
        ? Directory.GetFiles(SpoolDirectory).Select(f => Path.GetFileName(f)!).Order().ToArray()
        : [];

    public string[] Arguments =>
    [
        "--urls=http://127.0.0.1:0",
        $"--Storage:Directory={SpoolDirectory}",
        $"--Backup:Destination={BackupDirectory}",
        "--Backup:Schedule=off",
        // The start-up probe writes an object to the destination; tests that count objects or requests turn it on themselves.
        "--Backup:ProbeAtStart=false",
        "--Logging:LogLevel:Default=Warning",
        "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
        .. _settings,
    ];

    public async Task<RespaldoApplication> StartAsync()
    {
        _app = RespaldoHost.BuildWebApp(Arguments, _services);
        try
        {
            await _app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            // A host that failed to start cannot be stopped (Host.StopAsync throws): just release it.
            await _app.DisposeAsync();
            _app = null;
            throw;
        }
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseAddress = new Uri(address);
        Client = new HttpClient { BaseAddress = BaseAddress };
        return this;
    }

    public async Task StopAsync()
    {
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    public Task<HttpResponseMessage> PostRecordAsync(object body) =>
        Client.PostAsJsonAsync("/store_data/", body, TestContext.Current.CancellationToken);

    public Task<HttpResponseMessage> PostRawAsync(string body, string contentType = "application/json")
    {
        var content = new StringContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        return Client.PostAsync("/store_data/", content, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsRoot)
        {
            Root.Dispose();
        }
    }
}
