// Turns each <select data-module="app-type-ahead"> (a choice among very many, such as an IRO among
// hundreds) into GOV.UK's accessible-autocomplete: type part of a name, choose from the matches
// with the arrow keys and Enter. The select stays in the form, hidden, and carries the value, so
// the form submits what it does without JavaScript. Text left in the box chooses the option it
// names, or the one option it is part of ("iris" for "Iris Reviewer"); an empty box, or text that
// fits no option or several, chooses the select's empty option ("Any IRO") rather than keep a
// choice the box no longer shows. No option is picked while typing (autoselect off): the library
// shows that pick as a second, unlabelled input, which screen readers would meet.
const SCRIPT = '/static/accessible-autocomplete/accessible-autocomplete.min.js'

function loadScript (src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script')
    script.src = src
    script.onload = resolve
    script.onerror = reject
    document.head.appendChild(script)
  })
}

function choose (select, text) {
  const wanted = (text || '').trim().toLowerCase()
  const options = [...select.options].filter((item) => item.value && wanted)
  const named = options.filter((item) => item.textContent.trim().toLowerCase() === wanted)
  const containing = options.filter((item) => item.textContent.toLowerCase().includes(wanted))
  const [option] = named.length ? named : containing.length === 1 ? containing : []
  select.value = option ? option.value : ''
}

function enhance (select) {
  const id = select.id
  window.accessibleAutocomplete.enhanceSelectElement({
    selectElement: select,
    defaultValue: '',
    showAllValues: true,
    autoselect: false,
    onConfirm: (chosen) => choose(select, chosen === undefined ? document.getElementById(id).value : chosen)
  })
  const input = document.getElementById(id)
  // Enter in the box with no list open submits the form without a confirm: take the box's text.
  select.form?.addEventListener('submit', () => choose(select, input.value))
}

export async function enhanceTypeAheads () {
  const selects = document.querySelectorAll('select[data-module="app-type-ahead"]')
  if (!selects.length) return
  await loadScript(SCRIPT)
  selects.forEach(enhance)
}
