/**
 * The iPXE scripts as files, for nginx to serve without asking the Node handler (as Ironic renders
 * a config file per MAC): `<mac>.ipxe` for each MAC that boots the agent, `local.ipxe` for every
 * other MAC. Kept in step with the boot configuration synchronously (write to a temporary name,
 * rename), so a script changed by a boot activity is served before the activity powers the
 * machine on.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BootConfigStore } from '../boot-config.js';
import { agentScript, localBootScript, type AgentBootSettings } from './ipxe-script.js';

/** The file every MAC without an agent script gets. */
export const LOCAL_SCRIPT_FILE = 'local.ipxe';
/** The only MAC spelling served from a file (iPXE's `${net0/mac}`); nginx passes any other to Node. */
export const SCRIPT_FILE_MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export class ScriptFiles {
  private readonly unsubscribe: () => void;

  constructor(
    readonly dir: string,
    private readonly store: BootConfigStore,
    private readonly agent: AgentBootSettings,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    write(dir, LOCAL_SCRIPT_FILE, localBootScript());
    for (const t of store.all()) this.sync(t.mac);
    this.unsubscribe = store.subscribe((mac) => this.sync(mac));
  }

  private sync(mac: string): void {
    if (!SCRIPT_FILE_MAC.test(mac)) return; // BootConfigStore keys are lower-case; anything else is Node's
    const target = this.store.get(mac);
    if (target?.action === 'agent') write(this.dir, `${mac}.ipxe`, agentScript(target, this.agent));
    else rmSync(join(this.dir, `${mac}.ipxe`), { force: true });
  }

  close(): void {
    this.unsubscribe();
  }
}

function write(dir: string, name: string, content: string): void {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, join(dir, name));
}
