using System.Net;
using System.Text;
using Respaldo.Tests.Infrastructure;
using static Respaldo.Tests.Records.Contract;

namespace Respaldo.Tests.Records;

/// <summary>Bodies rejected before validation: unparsable (400), wrong media type (415), too large (413).</summary>
public sealed class RejectedBodyTests
{
    private const int Limit = 16 * 1024;

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("{'nombre': 'Ana', 'edad': 30, 'profesion': 'Ingeniera'}")]
    [InlineData("{\"nombre\": \"Ana\", \"edad\": 30, \"profesion\": \"Ingeniera\",}")]
    [InlineData("{\"nombre\": \"Ana\", \"edad\": 30, \"profesion\": \"Ingeniera\"} {}")]
    [InlineData("[{\"nombre\": \"Ana\", \"edad\": 30, \"profesion\": \"Ingeniera\"}]")]
    [InlineData("\"Ana\"")]
    [InlineData("null")]
    public async Task JsonThatDoesNotParseAsAnObjectIsRejectedWith400AndNothingIsWritten(string body)
    {
        await AssertRejectedAsync(Encoding.UTF8.GetBytes(body), "application/json", HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ABodyThatIsNotUtf8IsRejectedWith400AndNothingIsWritten()
    {
        var latin1 = Encoding.Latin1.GetBytes(Body("José"));

        await AssertRejectedAsync(latin1, "application/json", HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData(null)]
    public async Task AValidRecordWithTheWrongContentTypeIsRejectedWith415AndNothingIsWritten(string? contentType)
    {
        await AssertRejectedAsync(Encoding.UTF8.GetBytes(Body()), contentType, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ABodyOfExactly16KiBIsStored(bool chunked)
    {
        await using var app = await new RespaldoApplication().StartAsync();

        var response = await PostAsync(app, PaddedBody(Limit), chunked: chunked);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Single(app.SpoolFiles());
    }

    [Theory]
    [InlineData(Limit + 1, false)]
    [InlineData(Limit + 1, true)]
    [InlineData(200_000, false)]
    [InlineData(200_000, true)]
    public async Task ABodyOver16KiBIsRejectedWith413AndNothingIsWritten(int size, bool chunked)
    {
        await AssertRejectedAsync(PaddedBody(size), "application/json", HttpStatusCode.RequestEntityTooLarge, chunked);
    }

    [Fact]
    public async Task TheBodyLimitFollowsIntakeMaxBodyBytes()
    {
        await using var app = await new RespaldoApplication("--Intake:MaxBodyBytes=1024").StartAsync();

        var atLimit = await PostAsync(app, PaddedBody(1024));
        var overLimit = await PostAsync(app, PaddedBody(1025));

        Assert.Equal(HttpStatusCode.Created, atLimit.StatusCode);
        await AssertProblemAsync(overLimit, HttpStatusCode.RequestEntityTooLarge);
        Assert.Single(app.SpoolFiles());
    }

    /// <summary>A valid record of exactly <paramref name="size"/> bytes, padded with an unknown (ignored) property.</summary>
    private static byte[] PaddedBody(int size)
    {
        const string head = "{\"nombre\": \"Ana\", \"edad\": 30, \"profesion\": \"Ingeniera\", \"relleno\": \"";
        const string tail = "\"}";
        var body = head + new string('x', size - head.Length - tail.Length) + tail;
        Assert.Equal(size, Encoding.UTF8.GetByteCount(body));
        return Encoding.UTF8.GetBytes(body);
    }

    private static async Task AssertRejectedAsync(byte[] body, string? contentType, HttpStatusCode status, bool chunked = false)
    {
        await using var app = await new RespaldoApplication().StartAsync();
        var before = FilesUnder(app.SpoolDirectory);

        var response = await PostAsync(app, body, contentType, chunked);

        await AssertProblemAsync(response, status);
        Assert.Equal(before, FilesUnder(app.SpoolDirectory));
        Assert.Empty(app.SpoolFiles());
    }
}
