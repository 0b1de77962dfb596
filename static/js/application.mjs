import { initAll } from "/static/govuk/govuk-frontend.min.js";
import { enhanceTypeAheads } from "/static/js/type-ahead.mjs";

initAll();
enhanceTypeAheads();
