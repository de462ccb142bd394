/** What the page learns from its server before anything else: the streams' base path, and whether a token is needed. */
export interface UiConfig {
  readonly basePath: string;
  readonly auth: boolean;
}

export async function loadConfig(): Promise<UiConfig> {
  const response = await fetch("/ui/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`The server did not answer /ui/config.json (HTTP ${response.status})`);
  return (await response.json()) as UiConfig;
}
