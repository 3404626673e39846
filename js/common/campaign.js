/* A QR campaign's code arrives as ?c=CODE on whatever page the code opens. It is kept on
 * the phone for a week, so that a self-check or an application started later, from any
 * page, still counts for that job fair or village. Nothing personal is in it.
 * Needs: local (storage.js). */
var CAMPAIGN = "jy.campaign", WEEK = 7 * 24 * 3600 * 1000;
function campaign() {
  var c = local.get(CAMPAIGN);
  return c && c.code && new Date().getTime() - c.at < WEEK ? c.code : "";
}
var fromLink = new URLSearchParams(location.search).get("c");
if (fromLink && /^[A-Za-z0-9_-]{1,32}$/.test(fromLink)) {
  local.set(CAMPAIGN, { code: fromLink, at: new Date().getTime() });
}
