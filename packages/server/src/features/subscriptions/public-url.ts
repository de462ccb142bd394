/** `ServerOptions.publicUrl` (`rivulet serve --public-url`): an absolute http(s) URL, checked at startup. */
export function checkPublicUrl(publicUrl: string | undefined): void {
  if (publicUrl === undefined) return;
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new Error(`publicUrl ${JSON.stringify(publicUrl)} is not an absolute URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("publicUrl must be an http(s) URL");
  if (url.search !== "" || url.hash !== "") throw new Error("publicUrl must not have a query or fragment");
}
