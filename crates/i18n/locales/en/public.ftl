# The public site: theme, forms, search.

public-skip = Skip to content
public-menu = Main menu
public-news = News
public-latest-news = Latest news
public-no-news = No news yet.
public-not-found-title = Page not found
public-not-found = The page you were looking for does not exist or has moved.
public-home-link = Go to the home page

search-title = Search
search-label = Search this site
search-button = Search
search-results = { $count ->
    [one] 1 result for “{ $query }”
   *[other] { $count } results for “{ $query }”
}
search-nothing = Nothing found for “{ $query }”. Try other or fewer words.

form-not-sent = Your message was not sent yet:
form-honeypot-label = Leave this field empty
form-send = Send
form-default-title = Contact
form-default-subject = Message from the contact form
form-default-thanks = Thank you! Your message has been sent.
form-default-label-name = Your name
form-default-label-email = Your e-mail address
form-default-label-message = Your message
form-token-invalid = this form could not be checked (it was not shown by this site or was altered); please send it again
form-token-expired = this form was shown too long ago; please send it again
form-token-too-fast = this form was sent too quickly after it was shown; please wait a few seconds and send it again
form-already-sent = this form was already sent once (a form can be sent only once; the form below is new)
form-hidden-twice = the hidden field "{ $name }" was sent more than once
form-honeypot = the hidden field "{ $name }" must stay empty (it is there to catch robots)
form-unknown-field = unknown field { $name }
form-sent-twice = was sent more than once
form-required = is required
form-too-long = is longer than { $max } characters
form-one-line = must be one line
form-control-characters = contains control characters
form-bad-address = is not an e-mail address we can answer (like name@example.nl)
form-bad-name = contains "=?" (an encoded-word) or is too long
form-mail-intro = A visitor sent the form "{ $form }" on { $site }.
form-mail-footer = Sent from { $ip }. Reply to this mail to answer the visitor.
