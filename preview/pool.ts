/**
 * A bounded pool: runs an async task per item with at most `limit` in flight, and returns the
 * results in the items' order whatever order the tasks finish in.
 */
export async function mapInPool<T, R>(
    items: readonly T[],
    limit: number,
    task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
    if (!Number.isInteger(limit) || limit < 1) {
        throw new RangeError(`pool size must be a positive integer, got ${limit}`);
    }
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await task(items[index], index);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}
