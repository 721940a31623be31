using System.Collections;

namespace Respaldo.Backup;

/// <summary>
/// A read-only list whose items are made on demand from their index: a bundle's files as a slice of the run's
/// listing, its ids as a projection of its files. A bundle of 20,000 records would otherwise copy each into an array
/// of 160–320 KB on the large-object heap, garbage that only a full collection frees, at every bundle of a run.
/// </summary>
internal sealed class ListView<T>(int count, Func<int, T> item) : IReadOnlyList<T>
{
    public int Count => count;

    public T this[int index] => (uint)index < (uint)count ? item(index) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<T> GetEnumerator()
    {
        for (var i = 0; i < count; i++)
        {
            yield return item(i);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
