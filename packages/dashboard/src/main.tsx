import { render } from "preact";
import { App } from "./app.js";
import { applyStoredTheme } from "./lib/theme.js";
import "./styles.css";

applyStoredTheme();
render(<App />, document.getElementById("app")!);
