using System.Net;
using System.Text.Json;
using Respaldo.Tests.Infrastructure;
using Respaldo.Tests.Security;

namespace Respaldo.Tests.Records;

/// <summary>
/// Every case of the hostile corpus (HostileInput/cases.json) gets its documented status, never a 5xx or a
/// hang, and nothing logged as a server error; a rejection is a ProblemDetails and writes nothing; the service
/// keeps serving afterwards.
/// </summary>
public sealed class HostileInputTests
{
    public static TheoryData<string> Cases => [.. HostileCorpus.Cases.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EachHostileRequestGetsItsDocumentedStatusAndLeavesTheServiceHealthy(string name)
    {
        var hostile = HostileCorpus.Get(name);
        var logs = new LogCapture();
        await using var app = await new RespaldoApplication([], logs.Register).StartAsync();

        using var response = await SendAsync(app, hostile.ToRequest(), hostile.MayReset);

        if (response is null)
        {
            Aftermath.AssertNothingStored(app);
        }
        else if (hostile.Status >= 400)
        {
            await Aftermath.AssertProblemAsync(response, hostile.Status);
            Aftermath.AssertNothingStored(app);
        }
        else
        {
            Assert.Equal(hostile.Status, (int)response.StatusCode);
            Assert.Single(Aftermath.RecordFiles(app));
            AssertHoldsOnlyTheContractFields(Aftermath.RecordFiles(app)[0]);
        }
        await Aftermath.AssertStillServingAsync(app);
        await app.StopAsync();
        Assert.DoesNotContain(logs.Entries, e => e.StartsWith("Error", StringComparison.Ordinal) || e.StartsWith("Critical", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EachHostileRequestGetsItsStatusEvenWhenTheClientAcceptsOnlyHtml(string name)
    {
        var hostile = HostileCorpus.Get(name);
        await using var app = await new RespaldoApplication().StartAsync();
        using var request = hostile.ToRequest();
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await SendAsync(app, request, hostile.MayReset);

        Assert.True(response is null || (int)response.StatusCode == hostile.Status, $"answered {response?.StatusCode}");
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task AWrongMethodOnIntakeSaysWhichMethodIsAllowed(string method)
    {
        await using var app = await new RespaldoApplication().StartAsync();

        using var response = await app.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/store_data/"), Aftermath.Bounded());

        await Aftermath.AssertProblemAsync(response, 405);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public void TheCorpusCoversEveryKindOfHostileInputTheIssueNames()
    {
        var names = HostileCorpus.Cases.Select(c => c.Name).ToArray();

        foreach (var kind in (string[])["truncated", "invalid-utf8", "raw-control", "escaped-control", "unpaired", "nested",
                     "huge", "duplicate", "edad-string", "edad-float", "edad-huge", "edad-null", "extra-fields", "top-level-array",
                     "content-type", "method", "bom"])
        {
            Assert.Contains(names, n => n.Contains(kind, StringComparison.Ordinal));
        }
        Assert.All(HostileCorpus.Cases, c => Assert.True(c.File is null || File.Exists(Path.Combine(HostileCorpus.Folder, c.File)), c.Name));
        Assert.Equal(names.Length, names.Distinct().Count());
    }

    /// <summary>
    /// The answer; null only when the case allows a reset and the connection was reset while the client was still
    /// sending a body the server refused to read. A hang fails the test through the bounded token.
    /// </summary>
    private static async Task<HttpResponseMessage?> SendAsync(RespaldoApplication app, HttpRequestMessage request, bool mayReset)
    {
        try
        {
            return await app.Client.SendAsync(request, Aftermath.Bounded());
        }
        catch (HttpRequestException e) when (mayReset && e.InnerException is IOException)
        {
            return null;
        }
    }

    /// <summary>Unknown fields are ignored and not stored: the file holds the record's own fields only.</summary>
    private static void AssertHoldsOnlyTheContractFields(string path)
    {
        using var stored = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.Equal(["edad", "id", "nombre", "profesion", "receivedAt"],
            stored.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.NotEqual(Guid.Empty, stored.RootElement.GetProperty("id").GetGuid());
        Assert.True(stored.RootElement.GetProperty("receivedAt").GetDateTimeOffset().Year > 2000);
    }
}
