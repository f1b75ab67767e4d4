/**
 * Load the interactive UI. React picks its build from NODE_ENV when first imported: without
 * 'production' it runs its development build, which made the UI slow the scan by ~15% here. So the
 * UI is imported only through this function, after NODE_ENV is set (a user's own setting wins).
 */
export async function loadTui(): Promise<typeof import('./run.js')> {
  process.env.NODE_ENV ??= 'production';
  return import('./run.js');
}
