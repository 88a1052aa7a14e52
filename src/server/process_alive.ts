// Whether the process that wrote a lock or a temporary file still runs. A pid alone can mislead:
// a killed process stays a zombie until its parent reaps it, and after a restart (a container's,
// above all) its pid is soon someone else's, often the new server's own. On Linux /proc tells both
// apart: the state letter (Z for a zombie) and the start time, in clock ticks since boot, which a
// lock records beside the pid. Elsewhere kill(pid, 0) is all there is.
import * as fs from "node:fs";

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, ...]; null when unreadable. */
function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** The process's start time (clock ticks since boot, /proc/<pid>/stat field 22), or null off Linux or when it is gone. */
export function processStartTime(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

/**
 * Whether process pid runs (a zombie does not). With `startTime` (as processStartTime gave it when
 * the pid was recorded), a process of that pid that started at another time is a different one.
 */
export function processAlive(pid: number, startTime?: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const fields = fs.existsSync("/proc/self/stat") ? statFields(pid) : undefined;
  if (fields === null) return false; // Linux, and no such process
  if (fields) return fields[0] !== "Z" && fields[0] !== "X" && (!startTime || fields[19] === startTime);
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
