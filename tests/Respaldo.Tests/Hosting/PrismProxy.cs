using System.Diagnostics;
using System.Text.Json;
using Respaldo.Tests.Deployment;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Hosting;

/// <summary>
/// Stoplight Prism (npm <c>@stoplight/prism-cli</c>, pinned in tests/prism) as a validating proxy in front of a running
/// Respaldo: every answer is checked against the OpenAPI document the service itself serves.
/// <para>
/// Started as <c>prism proxy --errors --validate-request=false doc.json upstream</c>. <c>--errors</c> makes Prism
/// replace an answer the document does not describe with its own 500 problem (type <c>…prism/errors#VIOLATIONS</c>);
/// violations of lower severity still arrive in the <c>sl-violations</c> header, which <see cref="SendAsync"/> checks
/// too. Request validation is off because with <c>--errors</c> Prism answers an invalid request itself (422) without
/// forwarding it, and the point is to check the service's own answers to bad requests.
/// </para>
/// </summary>
internal sealed class PrismProxy : IAsyncDisposable
{
    /// <summary>Node starting Prism on this shared two-core machine has taken over a minute; it says when it listens.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private const string PrismErrors = "https://stoplight.io/prism/errors#";

    private readonly Process _process;
    private readonly List<string> _output = [];

    private PrismProxy(Process process, Uri address)
    {
        _process = process;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
    }

    public HttpClient Client { get; }

    public static string Cli => Path.Combine(RepoFiles.Root, "tests", "prism", "node_modules", "@stoplight", "prism-cli", "dist", "index.js");

    /// <summary>
    /// Saves <paramref name="app"/>'s OpenAPI document to <paramref name="folder"/> and starts Prism over it.
    /// <paramref name="edit"/> changes the saved document first (to prove that a wrong document is caught).
    /// Skips the test, with the reason, when Prism cannot start at all.
    /// </summary>
    public static async Task<PrismProxy> StartAsync(RespaldoApplication app, string folder, Func<string, string>? edit = null)
    {
        if (!File.Exists(Cli))
        {
            Assert.Fail($"{Cli} is missing: run ./test.sh, which installs it (npm ci in tests/prism).");
        }
        var ct = TestContext.Current.CancellationToken;
        var document = Path.Combine(folder, "openapi.json");
        var text = await app.Client.GetStringAsync("/openapi/v1.json", ct);
        await File.WriteAllTextAsync(document, edit is null ? text : edit(text), ct);

        var port = FreePort.Next();
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { Cli, "proxy", document, app.BaseAddress.ToString().TrimEnd('/'), "--errors", "--validate-request=false",
                     "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cors=false" })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["NO_COLOR"] = "1";
        info.Environment["FORCE_COLOR"] = "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("node did not start.");
        var proxy = new PrismProxy(process, new Uri($"http://127.0.0.1:{port}"));
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DataReceivedEventHandler remember = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (proxy._output)
            {
                proxy._output.Add(e.Data);
            }
            if (e.Data.Contains("Prism is listening", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        };
        process.OutputDataReceived += remember;
        process.ErrorDataReceived += remember;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var exited = process.WaitForExitAsync(ct);
        var started = await Task.WhenAny(listening.Task, exited, Task.Delay(StartTimeout, ct));
        if (started != listening.Task)
        {
            var why = started == exited ? $"it exited with code {process.ExitCode}" : $"it did not say 'Prism is listening' within {StartTimeout.TotalMinutes} minutes";
            var output = proxy.Output;
            await proxy.DisposeAsync();
            Assert.Skip($"Stoplight Prism could not start ({why}), so the contract traffic could not be validated. Its output:\n{output}");
        }
        return proxy;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(60));
            }
        }
    }

    /// <summary>Whether Prism's log says <paramref name="text"/>, waiting a little: its log line may follow its answer.</summary>
    public async Task<bool> SaysAsync(string text)
    {
        for (var waited = 0; waited < 100; waited++)
        {
            bool said;
            lock (_output)
            {
                said = _output.Any(line => line.Contains(text, StringComparison.Ordinal));
            }
            if (said)
            {
                return true;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        return false;
    }

    /// <summary>
    /// Sends <paramref name="request"/> through Prism and returns the service's answer, after checking that Prism found
    /// nothing in it that the document does not describe: no <c>sl-violations</c> about the response, and no answer of
    /// Prism's own in place of the service's.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, List<string> violations)
    {
        var what = $"{request.Method} {request.RequestUri}";
        var response = await Client.SendAsync(request, TestContext.Current.CancellationToken);
        if (response.Headers.TryGetValues("sl-violations", out var values))
        {
            foreach (var value in values)
            {
                violations.Add($"{what} → {(int)response.StatusCode}: {Describe(value)}");
            }
        }
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json" && request.Method != HttpMethod.Head)
        {
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.TryGetProperty("type", out var type) && type.GetString()?.StartsWith(PrismErrors, StringComparison.Ordinal) == true)
            {
                violations.Add($"{what} → Prism answered instead of the service: {body}");
            }
        }
        return response;
    }

    private static string Describe(string header)
    {
        try
        {
            using var json = JsonDocument.Parse(header);
            return string.Join("; ", json.RootElement.EnumerateArray().Select(v =>
                $"{v.GetProperty("severity").GetString()} at {string.Join('.', v.GetProperty("location").EnumerateArray().Select(l => l.ToString()))}: {v.GetProperty("message").GetString()}"));
        }
        catch (JsonException)
        {
            return header;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            _process.Kill(entireProcessTree: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or gone too slowly to wait for.
        }
        _process.Dispose();
    }
}
