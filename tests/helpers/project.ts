import { parseConfig, type CdpConfigInput } from '../../src/config/index.js';
import { Project } from '../../src/project/index.js';
import type { Warehouse } from '../../src/warehouse/index.js';

/** A project whose warehouse is one the test opened (so several projects can share it). */
export class TestProject extends Project {
  constructor(
    config: CdpConfigInput,
    private readonly shared: Warehouse,
  ) {
    super('/nonexistent-test-project', 'cdp.config.ts', parseConfig(config));
  }

  override warehouse(): Promise<Warehouse> {
    return Promise.resolve(this.shared);
  }

  override async close(): Promise<void> {}
}
