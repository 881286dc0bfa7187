/** The console's entry: renders the app into the page's only element. */
import { render } from "preact";
import { App } from "./app.js";

render(<App />, document.getElementById("app")!);
