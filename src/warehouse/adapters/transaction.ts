/**
 * Runs `work` between `begin` and COMMIT on one connection (`execute` sends a statement on it);
 * ROLLBACK when it throws, and a failing ROLLBACK never hides the error that caused it.
 */
export async function inTransaction<T>(execute: (sql: string) => Promise<unknown>, work: () => Promise<T>, begin = 'BEGIN'): Promise<T> {
  await execute(begin);
  try {
    const result = await work();
    await execute('COMMIT');
    return result;
  } catch (error) {
    await execute('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
