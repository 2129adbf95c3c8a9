/**
 * Whether a process of this machine with the id `pid` exists. A process of another user counts
 * (signalling it is refused with EPERM, but it is there); a reused id reads as alive, which keeps
 * what it guards rather than removing it.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
