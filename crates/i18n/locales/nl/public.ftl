# De publieke site: thema, formulieren, zoeken.

public-skip = Naar de inhoud
public-menu = Hoofdmenu
public-news = Nieuws
public-latest-news = Laatste nieuws
public-no-news = Nog geen nieuws.
public-not-found-title = Pagina niet gevonden
public-not-found = De pagina die je zocht bestaat niet of is verplaatst.
public-home-link = Naar de homepage

search-title = Zoeken
search-label = Zoek op deze site
search-button = Zoeken
search-results = { $count ->
    [one] 1 resultaat voor ‘{ $query }’
   *[other] { $count } resultaten voor ‘{ $query }’
}
search-nothing = Niets gevonden voor ‘{ $query }’. Probeer andere of minder woorden.

form-not-sent = Je bericht is nog niet verstuurd:
form-honeypot-label = Laat dit veld leeg
form-send = Versturen
form-default-title = Contact
form-default-subject = Bericht via het contactformulier
form-default-thanks = Bedankt! Je bericht is verstuurd.
form-default-label-name = Je naam
form-default-label-email = Je e-mailadres
form-default-label-message = Je bericht
form-token-invalid = dit formulier kon niet worden gecontroleerd (het kwam niet van deze site of is veranderd); verstuur het opnieuw
form-token-expired = dit formulier werd te lang geleden geopend; verstuur het opnieuw
form-token-too-fast = dit formulier werd te snel na het openen verstuurd; wacht een paar seconden en verstuur het opnieuw
form-already-sent = dit formulier is al een keer verstuurd (een formulier kan maar één keer worden verstuurd; hieronder staat een nieuw)
form-hidden-twice = het verborgen veld "{ $name }" is meer dan één keer meegestuurd
form-honeypot = het verborgen veld "{ $name }" moet leeg blijven (het is er om robots te vangen)
form-unknown-field = onbekend veld { $name }
form-sent-twice = is meer dan één keer meegestuurd
form-required = is verplicht
form-too-long = is langer dan { $max } tekens
form-one-line = moet op één regel
form-control-characters = bevat stuurtekens
form-bad-address = is geen e-mailadres waarop we kunnen antwoorden (zoals naam@voorbeeld.nl)
form-bad-name = bevat "=?" (een encoded-word) of is te lang
form-mail-intro = Een bezoeker heeft het formulier "{ $form }" op { $site } verstuurd.
form-mail-footer = Verstuurd vanaf { $ip }. Beantwoord deze mail om de bezoeker te antwoorden.
