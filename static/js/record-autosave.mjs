// Saves a LAC review's task page to its draft every 30 seconds while it changes, and when the
// page is hidden (a tab closed, a laptop shut), so nothing typed is lost if the session ends.
// The server answers with the draft's new version, which the form then sends, so the IRO's own
// autosaves never make their next save look stale. Without JavaScript, "Save and come back
// later" keeps the draft.
const form = document.querySelector('form[data-autosave]')

if (form) {
  const version = form.querySelector('input[name="version"]')
  let changed = false
  let saving = false
  let submitting = false

  const save = async (keepalive) => {
    if (!changed || saving || submitting) return
    saving = true
    changed = false
    const body = new FormData(form)
    body.append('autosave', '1')
    try {
      const response = await fetch(form.action || window.location.href, {
        method: 'POST', body, credentials: 'same-origin', keepalive, headers: { Accept: 'application/json' }
      })
      if (response.ok) {
        const answer = await response.json()
        if (version && answer.version !== undefined) version.value = answer.version
      } else {
        changed = true
      }
    } catch (error) {
      changed = true
    } finally {
      saving = false
    }
  }

  // The page's own buttons post the form: no autosave may race them.
  form.addEventListener('submit', () => { submitting = true })
  form.addEventListener('input', () => { changed = true })
  form.addEventListener('change', () => { changed = true })
  window.setInterval(() => save(false), 30000)
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') save(true) })
  window.addEventListener('pagehide', () => save(true))
}
