// Pure: when files vanish, is it a delete or an unmounted share?

/** An unmounted share looks like a mass delete: at least 50 files and half of what was there. */
export function suspectUnmount(vanished: number, present: number): boolean {
  return vanished >= 50 && vanished >= present * 0.5;
}
