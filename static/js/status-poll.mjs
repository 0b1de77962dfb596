// Asks a job's status URL for its progress every second, moves the progress bar, and hands the
// answer to `onStatus`, which returns true while the job is still running. Used by the pages of
// long jobs (an SSDA903 import, a report PDF); without JavaScript they link to themselves.
export function pollStatus (container, onStatus) {
  const message = container.querySelector('[data-status-message]')
  const progress = container.querySelector('[data-progress]')
  const statusUrl = container.dataset.statusUrl

  const poll = async () => {
    let body
    try {
      const response = await fetch(statusUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      if (!response.ok) throw new Error(`status ${response.status}`)
      body = await response.json()
    } catch (error) {
      message.textContent = 'Could not check the progress. Refresh this page to try again.'
      return
    }
    progress.value = body.progress
    if (onStatus(body, message)) window.setTimeout(poll, 1000)
  }

  window.setTimeout(poll, 500)
}
