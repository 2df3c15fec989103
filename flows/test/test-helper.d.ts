// node-red-node-test-helper ships no types: the part of its API the tests use.
declare module 'node-red-node-test-helper' {
  export interface TestNode {
    id: string;
    on(event: string, listener: (...args: never[]) => void): void;
    receive(msg: object): void;
    [key: string]: unknown;
  }
  interface Helper {
    init(runtimePath: string, settings?: object): void;
    settings(settings: object): object;
    load(nodes: unknown[], flow: object[], credentials?: object): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): TestNode;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
  }
  const helper: Helper;
  export default helper;
}
