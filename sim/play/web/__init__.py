"""The classroom in the browser: a Solara app over `sim.play.room` (``escalation classroom``).

Pages: home (join, open a class room, play alone), a team's seat (`team`), the instructor's
room (`instructor`), the projector view and the class dashboard (`projector`). Every page of a
room waits on the room's changes in one small thread, beats while its browser is connected,
and shows charts by address: one image per room and week, drawn once (`sim.play.charts`).
Text people typed is always shown as plain text. Links carry the room code and a seat token
or the instructor key; the projector and dashboard carry neither.
"""

import solara

from sim.play.web.home import Home
from sim.play.web.instructor import InstructorPage
from sim.play.web.projector import DashboardPage, ProjectorPage
from sim.play.web.team import TeamPage

CSS = """
.ec-page { max-width: 1100px; margin: 0 auto; padding: 8px; box-sizing: border-box;
  overflow-wrap: anywhere; word-break: break-word; }
.ec-page * { max-width: 100%; box-sizing: border-box; }
.ec-code { font-size: 2.4rem; font-weight: 700; letter-spacing: 0.3rem; }
.ec-header { font-size: 1.3rem; font-weight: 600; }
.ec-h3 { font-size: 1.1rem; font-weight: 600; margin-top: 8px; }
.ec-status { font-size: 1.05rem; font-weight: 500; display: block; margin: 4px 0; }
.ec-strong { font-weight: 600; }
.ec-line { display: block; }
.ec-row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.ec-baseline { align-items: baseline; }
.ec-page .v-input__slider .v-input__slot { flex-wrap: wrap; }
.ec-page .v-input__slider .v-label { flex: 1 0 100%; white-space: normal; height: auto;
  margin-bottom: 28px; }
.ec-page .v-input__slider .v-slider { flex: 1 0 calc(100% - 16px); min-width: 0; }
.ec-page .v-slider * { max-width: none; }  /* the thumb sits in a box of no width */
.ec-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr));
  gap: 12px; margin: 8px 0; }
.ec-page:has(.ec-dashboard) { max-width: none; }  /* a projected dashboard: the whole width */
.ec-dashboard { display: grid; gap: 12px;
  grid-template-columns: repeat(auto-fit, minmax(min(560px, 100%), 1fr)); }
.ec-wrap.v-btn { height: auto !important; min-height: 36px; max-width: 100%; }  /* a long label */
.ec-wrap .v-btn__content { white-space: normal; flex: 1 1 auto; line-height: 1.3; }
.ec-move { margin: 6px 0 10px 0; }
.ec-move .v-btn { min-width: 8rem; margin-right: 8px; }
.ec-described { display: inline; }
.ec-preview { display: block; font-size: 0.85rem; color: #555; }
.ec-link { font-family: monospace; font-size: 0.85rem; display: block; }
.ec-plain { white-space: pre-wrap; }
.ec-inline { display: inline; }
.ec-event, .ec-broadcast, .ec-message { padding: 6px 10px; margin: 4px 0; border-radius: 4px; }
.ec-event { background: #fff3e0; border-left: 4px solid #e65100; }
.ec-broadcast { background: #e3f2fd; border-left: 4px solid #1565c0; }
.ec-message { background: #f3e5f5; border-left: 4px solid #6a1b9a; }
.ec-chart { width: 100%; max-width: 760px; height: auto; display: block; }
.ec-page .v-select__selection--comma { white-space: normal; overflow: visible; }  /* whole */
.ec-page .v-select__selections > input { position: absolute; width: 0; min-width: 0; }  /* no gap */
.ec-chart-big { max-width: 1400px; }
.ec-scroll { overflow-x: auto; }
@media (max-width: 700px) {  /* a phone hides its scroll bars: say the table goes on */
  .ec-wide .ec-scroll::before { content: "Swipe sideways for more columns"; display: block;
    position: sticky; left: 0; font-size: 0.8rem; color: #555; }
}
.ec-notice-area { min-height: 64px; }
.ec-moved { display: block; font-style: italic; margin-bottom: 4px; }
strong, b { font-weight: 700; }  /* Solara's style.css unsets it: the briefs' lead-ins read plain */
.ec-md table { border-collapse: collapse; margin: 6px 0; }
.ec-md th, .ec-md td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left;
  vertical-align: top; word-break: normal; overflow-wrap: break-word; }
.ec-md td.ec-typed { overflow-wrap: anywhere; }  /* a long typed word wraps, squeezing no other */
.ec-md td { min-width: 4rem; }
.ec-timer { height: 8px; background: #eee; border-radius: 4px; overflow: hidden; }
.ec-timer-bar { height: 100%; background: #e65100; animation-name: ec-run;
  animation-timing-function: linear; animation-fill-mode: forwards; }
@keyframes ec-run { to { width: 100%; } }
@property --ec-left { syntax: "<integer>"; inherits: false; initial-value: 0; }
.ec-timer-count { animation-timing-function: linear; animation-fill-mode: forwards;
  counter-reset: ec-left var(--ec-left); }
.ec-timer-count::after { content: counter(ec-left); }
.ec-page:has(.ec-projector) { max-width: none; }
.ec-projector { font-size: 1.5rem; }
.ec-projector-body { display: grid; gap: 16px; grid-template-columns: minmax(0, 1fr); }
@media (min-width: 1000px) {  /* a 1280 x 720 projector: the chart beside the table */
  .ec-projector-body { grid-template-columns: minmax(0, 1.4fr) minmax(0, 1fr); } }
@media (min-width: 1600px) {  /* a 1920 x 1080 one: room for a larger chart */
  .ec-projector-body { grid-template-columns: minmax(0, 1fr) minmax(0, 1.2fr); } }
.ec-projector .ec-status { font-size: 2rem; }
.ec-projector .ec-chart { max-width: 1600px; }
.ec-projector .ec-big { font-size: 2rem; font-weight: 600; }
.ec-projector .ec-code { font-size: 3.5rem; }
.ec-projector table { font-size: 1.15rem; }
@media (min-width: 1600px) { .ec-projector table { font-size: 1.4rem; } }
.ec-projector td.ec-typed { min-width: 6.5em; }  /* a team's name breaks between its words */
@media (max-height: 800px) {  /* a 720-line projector: events and the header take less height */
  .ec-projector { font-size: 1.15rem; } .ec-projector .ec-code { font-size: 2.5rem; }
  .ec-projector .ec-status, .ec-projector .ec-big { font-size: 1.5rem; }
  .ec-projector .ec-event, .ec-projector .ec-broadcast { padding: 2px 8px; margin: 2px 0; } }
@media (max-width: 600px) { .ec-code { font-size: 1.8rem; } .v-card__title { font-size: 1.05rem; } }
"""


@solara.component
def Layout(children=()):
    """The frame of every page: a title bar and the page, as wide as the screen allows."""
    solara.Style(CSS)
    with solara.Column(classes=["ec-page"]):
        with solara.Div(classes=["ec-row"]):
            solara.Text("Escalation classroom", classes=["ec-header"])
            solara.Text("two states and their patron, week by week")
        solara.Column(children=list(children))


routes = [
    solara.Route(path="/", component=Home, layout=Layout),
    solara.Route(path="instructor", component=InstructorPage),
    solara.Route(path="team", component=TeamPage),
    solara.Route(path="projector", component=ProjectorPage),
    solara.Route(path="class", component=DashboardPage),
]
