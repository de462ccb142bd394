/**
 * The dashboard: reads the server's config, asks for a token when the server has auth, and
 * shows the page the address names inside the shell. Pages get the config through context.
 */
import { useEffect, useState } from "preact/hooks";
import { loadConfig, type UiConfig } from "./api/config.js";
import { onSessionChange, token } from "./api/session.js";
import { Shell } from "./components/shell.js";
import { Failed, Loading } from "./components/states.js";
import { TokenPrompt } from "./components/token-prompt.js";
import { ConfigContext } from "./config-context.js";
import { useLocation } from "./lib/navigation.js";
import { matchRoute, type Route } from "./lib/routes.js";
import { GroupPage } from "./pages/group.js";
import { Groups } from "./pages/groups.js";
import { NotFound } from "./pages/not-found.js";
import { Overview } from "./pages/overview.js";
import { StreamPage } from "./pages/stream.js";
import { Streams } from "./pages/streams.js";
import { SubscriptionPage } from "./pages/subscription.js";
import { Subscriptions } from "./pages/subscriptions.js";
import { TopicPage } from "./pages/topic.js";
import { Topics } from "./pages/topics.js";

export function App() {
  const [config, setConfig] = useState<UiConfig | undefined>();
  const [failure, setFailure] = useState<unknown>();
  const [session, setSession] = useState<{ reason: string }>({ reason: "start" });
  const location = useLocation();
  useEffect(() => {
    loadConfig().then(setConfig, setFailure);
    return onSessionChange((reason) => setSession({ reason }));
  }, []);

  if (failure) return <Failed error={failure} retry={() => location.pathname && window.location.reload()} />;
  if (!config) return <Loading what="the dashboard" />;
  if (config.auth && token() === undefined) return <TokenPrompt refused={session.reason === "refused"} />;
  const route = matchRoute(location.pathname);
  return (
    <ConfigContext.Provider value={config}>
      <Shell page={route.page}>
        <Page route={route} search={location.search} />
      </Shell>
    </ConfigContext.Provider>
  );
}

function Page({ route, search }: { route: Route; search: URLSearchParams }) {
  switch (route.page) {
    case "overview":
      return <Overview />;
    case "streams":
      return <Streams search={search} />;
    case "stream":
      return <StreamPage key={route.path} name={route.path} search={search} />;
    case "topics":
      return <Topics search={search} />;
    case "topic":
      return <TopicPage key={route.name} name={route.name} />;
    case "groups":
      return <Groups search={search} />;
    case "group":
      return <GroupPage key={route.name} name={route.name} />;
    case "subscriptions":
      return <Subscriptions search={search} />;
    case "subscription":
      return <SubscriptionPage key={route.name} name={route.name} />;
    default:
      return <NotFound />;
  }
}
