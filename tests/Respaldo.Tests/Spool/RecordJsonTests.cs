using System.Text;
using Respaldo.Spool;

namespace Respaldo.Tests.Spool;

/// <summary>The on-disk format: every string survives a round trip, and only what JSON requires is escaped.</summary>
public sealed class RecordJsonTests
{
    [Theory]
    [InlineData("José Ñúñez", "José Ñúñez")]
    [InlineData("😀 👩‍💻 𠀀", "😀 👩‍💻 𠀀")]
    [InlineData("王小明 محمد שרה", "王小明 محمد שרה")]
    [InlineData("a \"quoted\" \\ name", "a \\\"quoted\\\" \\\\ name")]
    [InlineData("line\nbreak\ttab\u0001\u001f", "line\\nbreak\\ttab\\u0001\\u001f")]
    [InlineData("<script>&'\u2028", "<script>&'\u2028")]
    public void AStringIsWrittenWithOnlyTheEscapesJsonRequiresAndReadBackUnchanged(string value, string written)
    {
        var record = new StoredRecord(Guid.CreateVersion7(), DateTimeOffset.UnixEpoch, value, 30, "Ingeniera");

        var bytes = RecordJson.Serialize(record);

        Assert.Contains($"\"nombre\":\"{written}\"", Encoding.UTF8.GetString(bytes));
        Assert.Equal(record, RecordJson.TryParse(bytes));
    }
}
