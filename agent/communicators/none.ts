import type { Communicator } from "./types.js";

/**
 * `communicator: "none"`: there is no machine to reach. Provisioners that need one fail with a
 * message that says how to fix the template; local ones (shell-local) never call it.
 */
export class NoneCommunicator implements Communicator {
  private refuse(): never {
    throw new Error(
      'this build has no communicator ("communicator": "none"): provisioners that run on the machine being built need one; use shell-local, or set a communicator such as "ssh"',
    );
  }
  async run(): Promise<number> {
    this.refuse();
  }
  async upload(): Promise<void> {
    this.refuse();
  }
  async uploadDir(): Promise<void> {
    this.refuse();
  }
  async download(): Promise<void> {
    this.refuse();
  }
  async downloadDir(): Promise<void> {
    this.refuse();
  }
  async close(): Promise<void> {}
}
