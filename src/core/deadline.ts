/** Rejects with `makeError()` when `p` has not settled within `ms` (the timer never outlives the race). */
export function withDeadline<T>(p: Promise<T>, ms: number, makeError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(makeError()), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
