/**
 * Sites: the storefronts that embed the widget, their settings, validation and business hours.
 *
 * @module
 */

export { SiteService, type SiteServiceDeps } from "./service.ts";
export { hoursAt, isTimeZone } from "./business_hours.ts";
export {
  type LocaleHints,
  publicSettings,
  resolveLocale,
  siteRecord,
  welcomeDetails,
} from "./public_settings.ts";
export { type NewSiteInput, parseNewSite, parseSitePatch, SITE_ID, slugify } from "./validate.ts";
