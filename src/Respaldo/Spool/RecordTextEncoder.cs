using System.Text.Encodings.Web;

namespace Respaldo.Spool;

/// <summary>
/// Escapes only what JSON itself requires: the quote, the backslash and control characters. The built-in
/// encoders, even <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>, also escape every character outside
/// the Basic Multilingual Plane (emoji, rarer CJK), so a record file would hold <c>\ud83d\ude00</c> instead of the
/// characters received. Only record files use it; they are never embedded in HTML or script.
/// </summary>
internal sealed class RecordTextEncoder : JavaScriptEncoder
{
    public static RecordTextEncoder Instance { get; } = new();

    private RecordTextEncoder() { }

    public override int MaxOutputCharactersPerInputCharacter => 12; // a surrogate pair as two \uXXXX

    public override bool WillEncode(int unicodeScalar) => unicodeScalar is < 0x20 or '"' or '\\';

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (var i = 0; i < textLength; i++)
        {
            if (WillEncode(text[i]))
            {
                return i;
            }
        }
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var escaped = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            _ when WillEncode(unicodeScalar) => $"\\u{unicodeScalar:x4}",
            _ => char.ConvertFromUtf32(unicodeScalar),
        };
        if (escaped.Length > bufferLength)
        {
            numberOfCharactersWritten = 0;
            return false;
        }
        escaped.AsSpan().CopyTo(new Span<char>(buffer, bufferLength));
        numberOfCharactersWritten = escaped.Length;
        return true;
    }
}
