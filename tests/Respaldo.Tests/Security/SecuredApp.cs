using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Respaldo.Hosting;
using Respaldo.Security;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Security;

/// <summary>
/// The real service plus two operating endpoints marked with <c>RequireApiKey()</c>, the way the lead marks
/// /backup, /status and /metrics: a route handler and a plain request delegate (what the metrics exporter maps).
/// </summary>
internal sealed class SecuredApp : IAsyncDisposable
{
    private readonly RespaldoApplication _settings;
    private readonly WebApplication _app;

    private SecuredApp(RespaldoApplication settings, WebApplication app, HttpClient client)
    {
        _settings = settings;
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public static async Task<SecuredApp> StartAsync(params string[] settings)
    {
        var fixture = new RespaldoApplication(settings);
        var app = RespaldoHost.BuildWebApp(fixture.Arguments);
        app.MapGet("/operate", () => "operated").RequireApiKey();
        app.Map("/raw", (RequestDelegate)(context => context.Response.WriteAsync("raw"))).RequireApiKey();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new SecuredApp(fixture, app, new HttpClient { BaseAddress = new Uri(address) });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _settings.DisposeAsync();
    }
}
