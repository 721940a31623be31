using System.Net;
using System.Net.Sockets;
using System.Text;
using Respaldo.Tests.Faults;
using Respaldo.Tests.Infrastructure;

namespace Respaldo.Tests.Hosting;

/// <summary>
/// A service behind nginx often listens on a Unix socket while nginx holds TCP port 80. The busy-port check before
/// start-up must not read <c>http://unix:/path</c> as port 80 on every address (adversarial review: it refused to
/// start whenever port 80 was taken).
/// </summary>
public sealed class UnixSocketTests
{
    [Fact]
    public async Task ServeListensOnAUnixSocketAndTakesRecordsWhileTcpPort80IsBusy()
    {
        TcpListener? occupant = new(IPAddress.Any, 80);
        try
        {
            occupant.Start();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            occupant = null; // another program holds it already: the condition under test
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            Assert.Skip("Holding TCP port 80 needs root.");
        }
        try
        {
            using var folder = new TempFolder();
            var socket = Path.Combine(folder.Path, "respaldo.sock");
            await using var server = RespaldoProcess.Start(folder.Path,
                ["serve", $"--urls=http://unix:{socket}", $"--Storage:Directory={Path.Combine(folder.Path, "records")}", "--Backup:ProbeAtStart=false"]);
            using var http = new HttpClient(new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                    return new NetworkStream(s, ownsSocket: true);
                },
            }) { BaseAddress = new Uri("http://localhost") };

            HttpResponseMessage? created = null;
            for (var attempt = 0; attempt < 600 && created is null; attempt++)
            {
                Assert.False(server.HasExited, "serve exited:\n" + server.Output);
                try
                {
                    created = await http.PostAsync("/store_data/",
                        new StringContent("""{"nombre":"Ana","edad":30,"profesion":"Ingeniera"}""", Encoding.UTF8, "application/json"),
                        TestContext.Current.CancellationToken);
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100, TestContext.Current.CancellationToken); // not listening yet
                }
            }
            Assert.NotNull(created);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        finally
        {
            occupant?.Dispose();
        }
    }
}
